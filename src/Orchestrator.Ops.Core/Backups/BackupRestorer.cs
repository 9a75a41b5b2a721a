using System.Diagnostics;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// Restoring a backup (or a subset): the plan of what each file would become, a restore into a folder, and the
/// journaled in-place restore — everything extracted and hash-checked in staging first, a safety backup of what will
/// be overwritten, then each file swapped in atomically and the store restored through SQLite's backup API, with
/// <see cref="RestoreJournal"/> naming the restore while the swap runs. A damaged backup is refused, touching nothing.
/// </summary>
internal sealed class BackupRestorer(OpsConfig config, BackupPaths paths, StoreCopier store, RestoreJournal journal, BackupCreator creator, TimeProvider time, ILogger log)
{
    private string Root => config.Backups.Root;

    /// <summary>What a restore would do to each file, for -WhatIf: Created, Replaced or Unchanged.</summary>
    public IReadOnlyList<RestoredBackupFile> Plan(string id, string? destination, IReadOnlyList<string>? subset)
    {
        var manifest = BackupArchive.ReadManifest(Root, id);
        var entries = manifest.Entries.Where(Filter(subset)).ToList();
        if (subset is { Count: > 0 } && entries.Count == 0)
        {
            throw new BackupException(BackupFailure.NotFound, id, subset[0], $"Backup {id} has no entry under {string.Join(", ", subset.Select(s => $"'{s}'"))}. Get-Backup -Id {id} | Select-Object -ExpandProperty Entries lists them.");
        }

        return entries.Select(e =>
        {
            var target = destination is null ? paths.TargetFor(e.Path) : Path.Combine(destination, e.Path.Replace('/', Path.DirectorySeparatorChar));
            var action = !File.Exists(target) ? RestoredBackupFileAction.Created
                : e.Path == paths.StoreEntry && destination is null ? RestoredBackupFileAction.Replaced
                : BackupFiles.SameContent(target, e) ? RestoredBackupFileAction.Unchanged
                : RestoredBackupFileAction.Replaced;
            return new RestoredBackupFile(e.Path, target, action, e.Size);
        }).ToList();
    }

    /// <summary>Restores into <paramref name="destination"/>, or in place when it is null; see <see cref="BackupService.RestoreAsync"/>.</summary>
    public async Task<RestoreResult> RestoreAsync(string id, string? destination, IReadOnlyList<string>? subset, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = Plan(id, destination, subset);
        using var held = BackupLock.Acquire(Root, "Restore-Backup");
        BackupFiles.CleanLeftovers(Root);
        if (journal.Interrupted() is { } earlier)
        {
            reporter.Warning($"An earlier in-place restore was interrupted ({earlier}); its files are each either old or restored. This restore completes the picture.");
        }

        return destination is not null
            ? await IntoFolderAsync(id, destination, subset, plan, clock, reporter, cancellationToken).ConfigureAwait(false)
            : await InPlaceAsync(id, subset, plan, clock, reporter, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Extracts into a staging folder inside the destination (so the moves are renames), then moves each file into place.</summary>
    private async Task<RestoreResult> IntoFolderAsync(string id, string destination, IReadOnlyList<string>? subset, IReadOnlyList<RestoredBackupFile> plan, Stopwatch clock, IOpsReporter reporter, CancellationToken ct)
    {
        var target = Path.GetFullPath(destination);
        var inside = Path.Combine(target, $".restore-{id}-{Guid.NewGuid():N}");
        try
        {
            await ExtractVerifiedAsync(id, inside, subset, reporter, $"Restoring into {target}", ct).ConfigureAwait(false);
            foreach (var p in plan)
            {
                var staged = Path.Combine(inside, p.EntryPath.Replace('/', Path.DirectorySeparatorChar));
                Directory.CreateDirectory(Path.GetDirectoryName(p.Target)!);
                File.Move(staged, p.Target, overwrite: true);
            }
        }
        finally
        {
            BackupFiles.DeleteFolder(inside);
        }

        log.Information("Backup {Id} restored into {Destination}: {Files} file(s), verified", id, target, plan.Count);
        return Result(id, target, plan, clock);
    }

    /// <summary>The in-place restore: refused while a deployment holds the store (when the store is restored), staged, a safety backup, then the journaled swap.</summary>
    private async Task<RestoreResult> InPlaceAsync(string id, IReadOnlyList<string>? subset, IReadOnlyList<RestoredBackupFile> plan, Stopwatch clock, IOpsReporter reporter, CancellationToken ct)
    {
        var storeIncluded = plan.Any(p => p.EntryPath == paths.StoreEntry);
        if (storeIncluded && store.DeploymentLockHolder() is { } holder)
        {
            throw new BackupLockedException(Root, $"a deployment operation holds the state store: {holder}");
        }

        var staging = Path.Combine(Root, $".staging-{id}-{Guid.NewGuid():N}");
        try
        {
            await ExtractVerifiedAsync(id, staging, subset, reporter, "Extracting and verifying into staging", ct).ConfigureAwait(false);

            // Safety backup of what will be overwritten (the store always, when it is restored).
            var overwritten = plan.Where(p => p.Action == RestoredBackupFileAction.Replaced && p.EntryPath != paths.StoreEntry).Select(p => p.Target).ToList();
            string? safetyId = null;
            if (overwritten.Count > 0 || storeIncluded)
            {
                reporter.Progress(new OpsProgress(3, $"Restore {id}", "Safety backup of what will be overwritten", 50));
                var safety = await creator.CreateLockedAsync($"before restoring {id}", BackupService.SafetyTag, overwritten, includeStore: storeIncluded, reporter, ct).ConfigureAwait(false);
                safetyId = safety.Id;
            }

            SwapAll(id, safetyId, staging, plan, reporter);
            var result = Result(id, config.OpsRoot, plan, clock) with { InPlace = true, SafetyBackupId = safetyId, StoreRestored = storeIncluded };
            log.Information("Backup {Id} restored in place: {Created} created, {Replaced} replaced, {Unchanged} unchanged; safety backup {Safety}", id,
                result.Created, result.Replaced, result.Unchanged, safetyId ?? "-");
            reporter.Progress(new OpsProgress(3, $"Restore {id}", "Done", 100, Completed: true));
            return result;
        }
        finally
        {
            BackupFiles.DeleteFolder(staging);
        }
    }

    /// <summary>
    /// Swaps every changed file in from staging. From here on the swap runs to its end (no cancellation): half a
    /// restore helps nobody. The journal names it if the process dies.
    /// </summary>
    private void SwapAll(string id, string? safetyId, string staging, IReadOnlyList<RestoredBackupFile> plan, IOpsReporter reporter)
    {
        journal.Begin($"backup {id}, safety backup {safetyId ?? "-"}, started {time.GetUtcNow():u} by {Actor.Current}");
        var i = 0;
        foreach (var p in plan.Where(p => p.Action != RestoredBackupFileAction.Unchanged))
        {
            reporter.Progress(new OpsProgress(3, $"Restore {id}", $"Swapping in {p.Target}", 60 + (35 * i++ / Math.Max(1, plan.Count))));
            var staged = Path.Combine(staging, p.EntryPath.Replace('/', Path.DirectorySeparatorChar));
            if (p.EntryPath == paths.StoreEntry)
            {
                store.Restore(id, staged, p.Target);
            }
            else
            {
                SwapIn(staged, p.Target);
            }

            TestHooks.PauseIfAsked("RestoreSwap", Path.Combine(config.OpsRoot, "backup-test"));
        }

        journal.End();
    }

    /// <summary>
    /// Extracts into a fresh staging folder in one read of the archive, every entry checked (path, type, size, SHA-256)
    /// as it is written. A damaged or unsafe backup is refused with nothing outside the staging folder touched.
    /// </summary>
    private async Task ExtractVerifiedAsync(string id, string staging, IReadOnlyList<string>? subset, IOpsReporter reporter, string doing, CancellationToken ct)
    {
        try
        {
            await BackupArchive.ExtractAsync(Root, id, staging, Filter(subset), new ArchiveProgress(reporter, $"Restore {id}", doing), scanFirst: false, ct).ConfigureAwait(false);
        }
        catch (BackupException ex) when (ex.Failure is BackupFailure.Damaged or BackupFailure.Unsafe)
        {
            BackupFiles.DeleteFolder(staging);
            throw new BackupException(ex.Failure, id, ex.File,
                $"Backup {id} is {(ex.Failure == BackupFailure.Unsafe ? "unsafe" : "damaged")} and was not restored ({ex.Message}); nothing was changed. Test-Backup -Id {id} -ReadData lists every problem.", ex);
        }
    }

    /// <summary>A verified restore of <paramref name="plan"/> into <paramref name="destination"/>, with its counts and how long it took.</summary>
    private static RestoreResult Result(string id, string destination, IReadOnlyList<RestoredBackupFile> plan, Stopwatch clock) => new()
    {
        BackupId = id,
        Destination = destination,
        Created = plan.Count(p => p.Action == RestoredBackupFileAction.Created),
        Replaced = plan.Count(p => p.Action == RestoredBackupFileAction.Replaced),
        Unchanged = plan.Count(p => p.Action == RestoredBackupFileAction.Unchanged),
        Verified = true,
        Files = plan,
        Duration = clock.Elapsed,
    };

    private static Func<BackupEntry, bool> Filter(IReadOnlyList<string>? subset) =>
        subset is null || subset.Count == 0
            ? _ => true
            : e => subset.Any(s => e.Path == s.TrimEnd('/') || e.Path.StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal));

    /// <summary>Copies a verified staged file next to its target and renames it over the target (a reader sees old or new), keeping the target's mode.</summary>
    private static void SwapIn(string staged, string target)
    {
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(File.Exists(target) ? target : staged);
        AtomicFile.CopyOver(staged, target, mode);
    }
}
