using System.Globalization;
using System.Security.Cryptography;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// Making a backup: under the root's lock, the store snapshotted (<see cref="StoreCopier"/>) and the live files written
/// into one archive, then read back byte for byte; a backup that does not read back as written is deleted, so nothing
/// is listed unless it is complete. Restores use <see cref="CreateLockedAsync"/> for their safety backup.
/// </summary>
internal sealed class BackupCreator(OpsConfig config, BackupPaths paths, StoreCopier store, RestoreJournal journal, TimeProvider time, ILogger log)
{
    private string Root => config.Backups.Root;

    /// <summary>Makes a backup and verifies it by reading every byte back.</summary>
    public async Task<Backup> CreateAsync(string? description, string? tag, IReadOnlyList<string> extraPaths, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        using var held = BackupLock.Acquire(Root, "New-Backup");
        BackupFiles.CleanLeftovers(Root);
        if (journal.Interrupted() is { } earlier)
        {
            reporter.Warning($"An in-place restore was interrupted ({earlier}); run Restore-Backup with that backup again (or its safety backup to undo it). This backup holds the files as they are now.");
        }

        return await CreateLockedAsync(description, tag, paths.LiveFiles(extraPaths), includeStore: true, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Makes and verifies a backup of <paramref name="files"/> (and the store, when asked); the caller holds the lock.</summary>
    public async Task<Backup> CreateLockedAsync(string? description, string? tag, IReadOnlyList<string> files, bool includeStore, IOpsReporter reporter, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var id = string.Create(CultureInfo.InvariantCulture, $"{now:yyyyMMdd-HHmmss}-{Convert.ToHexString(RandomNumberGenerator.GetBytes(3)).ToLowerInvariant()}");
        var snapshot = Path.Combine(Root, $".{id}.store-snapshot");
        try
        {
            var sources = new List<BackupSource>();
            if (includeStore && File.Exists(config.Store.Path))
            {
                reporter.Progress(new OpsProgress(3, $"Backup {id}", "Snapshotting the state store (SQLite online backup)", 0));
                store.Snapshot(id, config.Store.Path, snapshot, ct);
                sources.Add(new BackupSource(snapshot, paths.StoreEntry));
            }

            sources.AddRange(files.Select(f => new BackupSource(f, paths.EntryFor(f))));
            var header = new BackupManifest
            {
                Id = id,
                CreatedAt = now,
                Description = description,
                Tag = tag,
                Host = Environment.MachineName,
                Codec = config.Backups.Codec ?? BackupArchive.DefaultCodec,
            };
            var progress = new ArchiveProgress(reporter, $"Backup {id}", "Writing", Path.Combine(config.OpsRoot, "backup-test"));
            var manifest = await BackupArchive.WriteAsync(Root, header, sources, progress, ct).ConfigureAwait(false);
            var check = await BackupArchive.VerifyAsync(Root, id, readData: true, new ArchiveProgress(reporter, $"Backup {id}", "Verifying"), ct).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(3, $"Backup {id}", "Done", 100, Completed: true));
            if (!check.Passed)
            {
                BackupArchive.Delete(Root, id);
                throw new BackupException(BackupFailure.Damaged, id, check.Damaged.FirstOrDefault()?.Path,
                    $"Backup {id} did not read back as written ({check.Describe()}); it was deleted. Check the disk under '{Root}'.");
            }

            log.Information("Backup {Id} created: {Files} file(s), {Bytes} bytes, {Compressed} compressed, verified{Tag}", id, manifest.Entries.Count, manifest.Bytes, manifest.CompressedBytes,
                tag is null ? string.Empty : $", tag {tag}");
            return Backup.From(manifest, BackupArchive.ArchivePath(Root, manifest), verified: true);
        }
        finally
        {
            BackupFiles.TryDelete(snapshot);
        }
    }
}
