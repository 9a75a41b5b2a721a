using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Logging;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The backup capability: what a backup holds (the store through SQLite's online backup API, the ops config, the
/// rollback points, the configured application paths), verified backups, safe restores, retention and the
/// disaster-recovery drill. Backups are files under the backup root (their manifests are the registry), so restoring an
/// old store never forgets newer backups, and nothing here needs the store to open — a corrupt store can be restored.
/// New-Backup, Restore-Backup and Remove-Backup hold the root's lock.
/// </summary>
public sealed class BackupService(OpsConfig config, TimeProvider time, ILogger log)
{
    /// <summary>Entries under the ops root are stored as opsroot/&lt;relative path&gt;; anything else as files/&lt;absolute path&gt;.</summary>
    public const string OpsRootPrefix = "opsroot/";

    public const string FilesPrefix = "files/";

    /// <summary>The tag of the backup an in-place restore makes of what it overwrites.</summary>
    public const string SafetyTag = "safety";

    private const string RestoreJournal = ".restore-in-progress";

    private readonly ILogger _log = log.ForCategory("backup");

    public string Root => config.Backups.Root;

    /// <summary>A service that logs nothing, for reading (listing, planning) without touching the ops logs.</summary>
    public static BackupService ForReading(OpsConfig config) => new(config, TimeProvider.System, Serilog.Core.Logger.None);

    /// <summary>Runs backup work with the ops logs open, without opening the state store (a corrupt store must still be restorable).</summary>
    public static async Task<T> RunLoggedAsync<T>(OpsConfig config, Func<BackupService, Task<T>> work)
    {
        using var log = OpsLogging.Create(config.LogsFolder);
        return await work(new BackupService(config, TimeProvider.System, log)).ConfigureAwait(false);
    }

    // ---------------------------------------------------------------- paths

    /// <summary>The path inside a backup for a live file.</summary>
    public string EntryFor(string path)
    {
        var full = Path.GetFullPath(path);
        var rel = Path.GetRelativePath(config.OpsRoot, full);
        if (!rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel))
        {
            return OpsRootPrefix + rel.Replace(Path.DirectorySeparatorChar, '/');
        }

        return FilesPrefix + full.TrimStart(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar).Replace(Path.DirectorySeparatorChar, '/').Replace(":", string.Empty, StringComparison.Ordinal);
    }

    /// <summary>Where an entry goes when restored in place.</summary>
    public string TargetFor(string entry) =>
        entry.StartsWith(OpsRootPrefix, StringComparison.Ordinal)
            ? Path.Combine(config.OpsRoot, entry[OpsRootPrefix.Length..].Replace('/', Path.DirectorySeparatorChar))
            : entry.StartsWith(FilesPrefix, StringComparison.Ordinal)
                ? Path.DirectorySeparatorChar + entry[FilesPrefix.Length..].Replace('/', Path.DirectorySeparatorChar)
                : throw new BackupException(BackupFailure.Unsafe, "?", entry, $"The entry '{entry}' is neither under {OpsRootPrefix} nor {FilesPrefix}; it cannot be restored in place.");

    private string StoreEntry => EntryFor(config.Store.Path);

    /// <summary>The live files a backup holds now (the store is snapshotted separately).</summary>
    private List<string> LiveFiles(IEnumerable<string> extraPaths)
    {
        var files = new List<string> { config.SourcePath };

        // The vault is encrypted; its key file is never backed up beside it (keep the key elsewhere).
        if (File.Exists(config.Secrets.VaultPath))
        {
            files.Add(config.Secrets.VaultPath);
        }

        var points = Path.Combine(config.OpsRoot, "rollback-points");
        if (Directory.Exists(points))
        {
            files.AddRange(Directory.EnumerateFiles(points, "*", SearchOption.AllDirectories));
        }

        foreach (var p in config.Backups.Paths.Concat(extraPaths))
        {
            if (Directory.Exists(p))
            {
                files.AddRange(Directory.EnumerateFiles(p, "*", SearchOption.AllDirectories).Where(f => !IsUnder(f, Root)));
            }
            else if (File.Exists(p))
            {
                files.Add(p);
            }
            else
            {
                throw new BackupException(BackupFailure.SourceMissing, "-", p, $"'{p}' does not exist; fix backups.paths or -Path. No backup was made.");
            }
        }

        var storeFiles = new[] { config.Store.Path, config.Store.Path + "-wal", config.Store.Path + "-shm", config.Store.Path + "-journal", Path.GetFullPath(config.Secrets.KeyFile) };
        return files.Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).Where(f => !storeFiles.Contains(f, StringComparer.Ordinal)).ToList();
    }

    private static bool IsUnder(string path, string folder)
    {
        var rel = Path.GetRelativePath(folder, path);
        return !rel.StartsWith("..", StringComparison.Ordinal) && !Path.IsPathRooted(rel);
    }

    // ---------------------------------------------------------------- create

    /// <summary>Makes a backup and verifies it by reading every byte back. Nothing is listed unless it is complete.</summary>
    public async Task<Backup> CreateAsync(string? description, string? tag, IReadOnlyList<string> extraPaths, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        using var held = BackupLock.Acquire(Root, "New-Backup");
        CleanLeftovers();
        if (InterruptedRestore() is { } earlier)
        {
            reporter.Warning($"An in-place restore was interrupted ({earlier}); run Restore-Backup with that backup again (or its safety backup to undo it). This backup holds the files as they are now.");
        }

        return await CreateLockedAsync(description, tag, LiveFiles(extraPaths), includeStore: true, reporter, cancellationToken).ConfigureAwait(false);
    }

    private async Task<Backup> CreateLockedAsync(string? description, string? tag, IReadOnlyList<string> files, bool includeStore, IOpsReporter reporter, CancellationToken ct)
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
                SnapshotStore(id, config.Store.Path, snapshot, ct);
                sources.Add(new BackupSource(snapshot, StoreEntry));
            }

            sources.AddRange(files.Select(f => new BackupSource(f, EntryFor(f))));
            var header = new BackupManifest
            {
                Id = id,
                CreatedAt = now,
                Description = description,
                Tag = tag,
                Host = Environment.MachineName,
                Codec = config.Backups.Codec ?? BackupArchive.DefaultCodec,
            };
            var progress = new Progress(reporter, $"Backup {id}", "Writing", Path.Combine(config.OpsRoot, "backup-test"));
            var manifest = await BackupArchive.WriteAsync(Root, header, sources, progress, ct).ConfigureAwait(false);
            var check = await BackupArchive.VerifyAsync(Root, id, readData: true, new Progress(reporter, $"Backup {id}", "Verifying"), ct).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(3, $"Backup {id}", "Done", 100, Completed: true));
            if (!check.Passed)
            {
                BackupArchive.Delete(Root, id);
                throw new BackupException(BackupFailure.Damaged, id, check.Damaged.FirstOrDefault()?.Path,
                    $"Backup {id} did not read back as written ({Describe(check)}); it was deleted. Check the disk under '{Root}'.");
            }

            _log.Information("Backup {Id} created: {Files} file(s), {Bytes} bytes, {Compressed} compressed, verified{Tag}", id, manifest.Entries.Count, manifest.Bytes, manifest.CompressedBytes,
                tag is null ? string.Empty : $", tag {tag}");
            return Backup.From(manifest, BackupArchive.ArchivePath(Root, manifest), verified: true);
        }
        finally
        {
            TryDelete(snapshot);
        }
    }

    /// <summary>Copies a live SQLite database with SQLite's online backup API (never a raw copy), into an owner-only file.</summary>
    private void SnapshotStore(string backupId, string source, string destination, CancellationToken ct)
    {
        OwnerOnly.Create(destination).Dispose();
        using var src = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = source, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        using var dst = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = destination, Pooling = false }.ToString());
        src.Open();
        dst.Open();
        CopyWaitingOutLocks(src, dst, backupId, source, ct);
        using var cmd = dst.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode = DELETE;";
        cmd.ExecuteNonQuery();
    }

    /// <summary>
    /// Runs SQLite's online backup from <paramref name="src"/> into <paramref name="dst"/>. A writer's commit or a WAL
    /// checkpoint of the live store holds its lock for moments, and the backup step does not wait by itself
    /// (SQLITE_BUSY, SQLITE_LOCKED): both connections get the store's busy timeout, and a step still refused is
    /// retried from the start until that timeout has passed, and only then fails.
    /// </summary>
    private void CopyWaitingOutLocks(SqliteConnection src, SqliteConnection dst, string backupId, string store, CancellationToken ct)
    {
        var bound = config.Store.BusyTimeout;
        foreach (var c in new[] { src, dst })
        {
            using var pragma = c.CreateCommand();
            pragma.CommandText = string.Create(CultureInfo.InvariantCulture, $"PRAGMA busy_timeout = {(int)bound.TotalMilliseconds};");
            pragma.ExecuteNonQuery();
        }

        var clock = Stopwatch.StartNew();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                src.BackupDatabase(dst);
                return;
            }
            catch (SqliteException ex) when (ex.SqliteErrorCode is SQLitePCL.raw.SQLITE_BUSY or SQLitePCL.raw.SQLITE_LOCKED)
            {
                if (clock.Elapsed >= bound)
                {
                    throw new BackupException(BackupFailure.StoreLocked, backupId, store,
                        $"Backup '{backupId}': the state store '{store}' stayed locked by another process for more than {bound.TotalSeconds:0.#} s (store.busyTimeoutMs) while it was being copied; try again, or stop what holds it.", ex);
                }

                _log.Debug("The store was locked during its backup copy (attempt {Attempt}); trying again", attempt);
                if (ct.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Min(20 * attempt, 250))))
                {
                    ct.ThrowIfCancellationRequested();
                }
            }
        }
    }

    /// <summary>Removes what a killed operation left (store snapshots, staging folders); only called under the lock.</summary>
    private void CleanLeftovers()
    {
        // Under the lock nothing else writes here, so these are a killed operation's: store snapshots and the
        // archive's own temporary files (never listed, but they take space).
        foreach (var f in Directory.EnumerateFiles(Root, ".*.store-snapshot").Concat(Directory.EnumerateFiles(Root, ".*.tmp")))
        {
            TryDelete(f);
        }

        foreach (var d in Directory.EnumerateDirectories(Root, ".staging-*"))
        {
            try
            {
                Directory.Delete(d, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }

    private static string Describe(BackupVerification v) =>
        v.Passed ? "intact" : $"{v.Damaged.Count} problem(s); first: {v.Damaged[0].Path}: {v.Damaged[0].Problem}";

    // ---------------------------------------------------------------- list, verify

    /// <summary>Complete backups, newest first, and the ids whose manifest could not be read.</summary>
    public (IReadOnlyList<Backup> Backups, IReadOnlyList<BackupListing> Unreadable) List()
    {
        if (!Directory.Exists(Root))
        {
            return ([], []);
        }

        var listings = BackupArchive.List(Root);
        var good = listings.Where(l => l.Manifest is not null).Select(l => Backup.From(l.Manifest!, BackupArchive.ArchivePath(Root, l.Manifest!), verified: null)).ToList();
        return (good, listings.Where(l => l.Manifest is null).ToList());
    }

    public Backup Get(string id)
    {
        var m = BackupArchive.ReadManifest(Root, id);
        return Backup.From(m, BackupArchive.ArchivePath(Root, m), verified: null);
    }

    public Task<BackupVerification> VerifyAsync(string id, bool readData, IOpsReporter reporter, CancellationToken cancellationToken) =>
        BackupArchive.VerifyAsync(Root, id, readData, new Progress(reporter, $"Test-Backup {id}", readData ? "Reading every byte" : "Checking structure"), cancellationToken);

    // ---------------------------------------------------------------- restore

    private static Func<BackupEntry, bool> Filter(IReadOnlyList<string>? subset) =>
        subset is null || subset.Count == 0
            ? _ => true
            : e => subset.Any(s => e.Path == s.TrimEnd('/') || e.Path.StartsWith(s.TrimEnd('/') + "/", StringComparison.Ordinal));

    /// <summary>What a restore would do to each file, for -WhatIf: Created, Replaced or Unchanged.</summary>
    public IReadOnlyList<RestoredBackupFile> PlanRestore(string id, string? destination, IReadOnlyList<string>? subset)
    {
        var manifest = BackupArchive.ReadManifest(Root, id);
        var entries = manifest.Entries.Where(Filter(subset)).ToList();
        if (subset is { Count: > 0 } && entries.Count == 0)
        {
            throw new BackupException(BackupFailure.NotFound, id, subset[0], $"Backup {id} has no entry under {string.Join(", ", subset.Select(s => $"'{s}'"))}. Get-Backup -Id {id} | Select-Object -ExpandProperty Entries lists them.");
        }

        return entries.Select(e =>
        {
            var target = destination is null ? TargetFor(e.Path) : Path.Combine(destination, e.Path.Replace('/', Path.DirectorySeparatorChar));
            var action = !File.Exists(target) ? "Created" : e.Path == StoreEntry && destination is null ? "Replaced" : SameContent(target, e) ? "Unchanged" : "Replaced";
            return new RestoredBackupFile(e.Path, target, action, e.Size);
        }).ToList();
    }

    private static bool SameContent(string path, BackupEntry e)
    {
        try
        {
            var info = new FileInfo(path);
            if (info.Length != e.Size)
            {
                return false;
            }

            using var s = File.OpenRead(path);
            return Sha256Hex.AreEqual(Sha256Hex.Of(s), e.Sha256);
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Restores a backup (or a subset) into <paramref name="destination"/>, or in place when it is null. The backup is
    /// verified byte for byte first and refused when damaged, touching nothing. In place: everything is extracted and
    /// hash-checked in a staging folder first, a safety backup is made of every file that will be overwritten, then each
    /// file is swapped in atomically and the store is restored through SQLite's backup API (refused while a deployment
    /// operation holds the store).
    /// </summary>
    public async Task<RestoreResult> RestoreAsync(string id, string? destination, IReadOnlyList<string>? subset, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var plan = PlanRestore(id, destination, subset);
        using var held = BackupLock.Acquire(Root, "Restore-Backup");
        CleanLeftovers();
        if (InterruptedRestore() is { } earlier)
        {
            reporter.Warning($"An earlier in-place restore was interrupted ({earlier}); its files are each either old or restored. This restore completes the picture.");
        }

        if (destination is not null)
        {
            // Extract into a staging folder inside the destination (so the moves are renames), then move each file into place.
            var target = Path.GetFullPath(destination);
            var inside = Path.Combine(target, $".restore-{id}-{Guid.NewGuid():N}");
            try
            {
                await ExtractVerifiedAsync(id, inside, subset, reporter, $"Restoring into {target}", cancellationToken).ConfigureAwait(false);
                foreach (var p in plan)
                {
                    var staged = Path.Combine(inside, p.EntryPath.Replace('/', Path.DirectorySeparatorChar));
                    Directory.CreateDirectory(Path.GetDirectoryName(p.Target)!);
                    File.Move(staged, p.Target, overwrite: true);
                }
            }
            finally
            {
                DeleteFolder(inside);
            }

            _log.Information("Backup {Id} restored into {Destination}: {Files} file(s), verified", id, target, plan.Count);
            return new RestoreResult
            {
                BackupId = id,
                Destination = target,
                Created = plan.Count(p => p.Action == "Created"),
                Replaced = plan.Count(p => p.Action == "Replaced"),
                Unchanged = plan.Count(p => p.Action == "Unchanged"),
                Verified = true,
                Files = plan,
                Duration = clock.Elapsed,
            };
        }

        var storeIncluded = plan.Any(p => p.EntryPath == StoreEntry);
        if (storeIncluded && DeploymentLockHolder() is { } holder)
        {
            throw new BackupLockedException(Root, $"a deployment operation holds the state store: {holder}");
        }

        var staging = Path.Combine(Root, $".staging-{id}-{Guid.NewGuid():N}");
        try
        {
            await ExtractVerifiedAsync(id, staging, subset, reporter, "Extracting and verifying into staging", cancellationToken).ConfigureAwait(false);

            // Safety backup of what will be overwritten (the store always, when it is restored).
            var overwritten = plan.Where(p => p.Action == "Replaced" && p.EntryPath != StoreEntry).Select(p => p.Target).ToList();
            string? safetyId = null;
            if (overwritten.Count > 0 || storeIncluded)
            {
                reporter.Progress(new OpsProgress(3, $"Restore {id}", "Safety backup of what will be overwritten", 50));
                var safety = await CreateLockedAsync($"before restoring {id}", SafetyTag, overwritten, includeStore: storeIncluded, reporter, cancellationToken).ConfigureAwait(false);
                safetyId = safety.Id;
            }

            // From here on the swap runs to its end: half a restore helps nobody. A journal names it if the process dies.
            AtomicFile.WriteAllText(Path.Combine(Root, RestoreJournal), $"backup {id}, safety backup {safetyId ?? "-"}, started {time.GetUtcNow():u} by {Actor.Current}{Environment.NewLine}");
            var i = 0;
            foreach (var p in plan.Where(p => p.Action != "Unchanged"))
            {
                reporter.Progress(new OpsProgress(3, $"Restore {id}", $"Swapping in {p.Target}", 60 + (35 * i++ / Math.Max(1, plan.Count))));
                var staged = Path.Combine(staging, p.EntryPath.Replace('/', Path.DirectorySeparatorChar));
                if (p.EntryPath == StoreEntry)
                {
                    RestoreStore(id, staged, p.Target);
                }
                else
                {
                    SwapIn(staged, p.Target);
                }

                TestHooks.PauseIfAsked("RestoreSwap", Path.Combine(config.OpsRoot, "backup-test"));
            }

            File.Delete(Path.Combine(Root, RestoreJournal));
            _log.Information("Backup {Id} restored in place: {Created} created, {Replaced} replaced, {Unchanged} unchanged; safety backup {Safety}", id,
                plan.Count(p => p.Action == "Created"), plan.Count(p => p.Action == "Replaced"), plan.Count(p => p.Action == "Unchanged"), safetyId ?? "-");
            reporter.Progress(new OpsProgress(3, $"Restore {id}", "Done", 100, Completed: true));
            return new RestoreResult
            {
                BackupId = id,
                Destination = config.OpsRoot,
                InPlace = true,
                Created = plan.Count(p => p.Action == "Created"),
                Replaced = plan.Count(p => p.Action == "Replaced"),
                Unchanged = plan.Count(p => p.Action == "Unchanged"),
                Verified = true,
                SafetyBackupId = safetyId,
                StoreRestored = storeIncluded,
                Files = plan,
                Duration = clock.Elapsed,
            };
        }
        finally
        {
            DeleteFolder(staging);
        }
    }

    /// <summary>
    /// Extracts into a fresh staging folder in one read of the archive, every entry checked (path, type, size, SHA-256)
    /// as it is written. A damaged or unsafe backup is refused with nothing outside the staging folder touched.
    /// </summary>
    private async Task ExtractVerifiedAsync(string id, string staging, IReadOnlyList<string>? subset, IOpsReporter reporter, string doing, CancellationToken ct)
    {
        try
        {
            await BackupArchive.ExtractAsync(Root, id, staging, Filter(subset), new Progress(reporter, $"Restore {id}", doing), scanFirst: false, ct).ConfigureAwait(false);
        }
        catch (BackupException ex) when (ex.Failure is BackupFailure.Damaged or BackupFailure.Unsafe)
        {
            DeleteFolder(staging);
            throw new BackupException(ex.Failure, id, ex.File,
                $"Backup {id} is {(ex.Failure == BackupFailure.Unsafe ? "unsafe" : "damaged")} and was not restored ({ex.Message}); nothing was changed. Test-Backup -Id {id} -ReadData lists every problem.", ex);
        }
    }

    private static void DeleteFolder(string folder)
    {
        try
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The deployment lock's holder read straight from the store file (null when free, or when the store cannot be read — a corrupt store is what a restore is for).</summary>
    private string? DeploymentLockHolder()
    {
        if (!File.Exists(config.Store.Path))
        {
            return null;
        }

        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = config.Store.Path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var cmd = c.CreateCommand();
            cmd.CommandText = "SELECT holder FROM deployment_lock LIMIT 1;";
            return cmd.ExecuteScalar() as string;
        }
        catch (SqliteException)
        {
            return null;
        }
    }

    /// <summary>An in-place restore that was interrupted (its process died), if any: what it was restoring and its safety backup.</summary>
    public string? InterruptedRestore()
    {
        var path = Path.Combine(Root, RestoreJournal);
        return File.Exists(path) ? File.ReadAllText(path).Trim() : null;
    }

    /// <summary>Copies a verified staged file next to its target and renames it over the target (a reader sees old or new), keeping the target's mode.</summary>
    private static void SwapIn(string staged, string target)
    {
        UnixFileMode? mode = OperatingSystem.IsWindows() ? null : File.GetUnixFileMode(File.Exists(target) ? target : staged);
        AtomicFile.CopyOver(staged, target, mode);
    }

    /// <summary>Restores the live store from a staged copy through SQLite's backup API, so open connections see a consistent database.</summary>
    private void RestoreStore(string backupId, string staged, string target)
    {
        using var src = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = staged, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        using var dst = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = target, Pooling = false, DefaultTimeout = (int)Math.Ceiling(config.Store.BusyTimeout.TotalSeconds) }.ToString());
        src.Open();
        dst.Open();
        CopyWaitingOutLocks(src, dst, backupId, target, CancellationToken.None);
    }

    // ---------------------------------------------------------------- retention

    /// <summary>
    /// Which backups the retention policy keeps and why (restic-like): the newest keepLast; the newest of each of the
    /// last keepDaily days, keepWeekly ISO weeks and keepMonthly months that have backups (UTC). Everything else goes.
    /// </summary>
    public IReadOnlyList<RetentionDecision> PlanRetention(int keepLast, int keepDaily, int keepWeekly, int keepMonthly)
    {
        var all = List().Backups.OrderByDescending(b => b.CreatedAt).ThenByDescending(b => b.Id, StringComparer.Ordinal).ToList();
        var reasons = all.ToDictionary(b => b.Id, _ => new List<string>());
        foreach (var b in all.Take(keepLast))
        {
            reasons[b.Id].Add("last");
        }

        void Bucket(int keep, Func<DateTimeOffset, string> key, string name)
        {
            var seen = new HashSet<string>();
            foreach (var b in all)
            {
                if (seen.Count >= keep)
                {
                    break;
                }

                if (seen.Add(key(b.CreatedAt.ToUniversalTime())))
                {
                    reasons[b.Id].Add(name);
                }
            }
        }

        Bucket(keepDaily, t => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "daily");
        Bucket(keepWeekly, t => $"{ISOWeek.GetYear(t.UtcDateTime)}-W{ISOWeek.GetWeekOfYear(t.UtcDateTime)}", "weekly");
        Bucket(keepMonthly, t => t.ToString("yyyy-MM", CultureInfo.InvariantCulture), "monthly");
        return all.Select(b => new RetentionDecision(b.Id, b.CreatedAt, reasons[b.Id].Count > 0,
            reasons[b.Id].Count > 0 ? "kept: " + string.Join(", ", reasons[b.Id]) : "not kept by the policy")).ToList();
    }

    /// <summary>Deletes backups (manifest first, so a half-deleted one is never listed), under the lock.</summary>
    public IReadOnlyList<string> Remove(IReadOnlyList<string> ids)
    {
        using var held = BackupLock.Acquire(Root, "Remove-Backup");
        var removed = new List<string>();
        foreach (var id in ids)
        {
            BackupArchive.ReadManifest(Root, id);
            BackupArchive.Delete(Root, id);
            removed.Add(id);
            _log.Information("Backup {Id} removed by {Who}", id, Actor.Current);
        }

        return removed;
    }

    // ---------------------------------------------------------------- drill

    /// <summary>
    /// The runbook's monthly disaster-recovery test: restores the newest backup (or <paramref name="id"/>) into a scratch
    /// folder, verifies every byte, opens the restored store read-only (integrity check and schema version), compares
    /// every restored file with the live one, and removes the scratch folder.
    /// </summary>
    public async Task<DisasterRecoveryReport> DrillAsync(string? id, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = id is null
            ? List().Backups.FirstOrDefault(b => b.Tag != SafetyTag) ?? throw new BackupException(BackupFailure.NotFound, "-", Root, $"There is no backup under '{Root}' to drill with; New-Backup makes one.")
            : Get(id);
        var problems = new List<string>();
        var verification = await VerifyAsync(backup.Id, readData: true, reporter, cancellationToken).ConfigureAwait(false);
        if (!verification.Passed)
        {
            problems.Add($"verification: {Describe(verification)}");
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"orchestrator-ops-drill-{backup.Id}-{Guid.NewGuid():N}");
        try
        {
            IReadOnlyList<BackupEntry> restored = [];
            if (verification.Passed)
            {
                restored = await BackupArchive.ExtractAsync(Root, backup.Id, scratch, null, new Progress(reporter, $"Drill {backup.Id}", "Restoring into a scratch folder"), cancellationToken).ConfigureAwait(false);
            }

            bool opened = false;
            int? schema = null;
            string? integrity = null;
            var storeCopy = Path.Combine(scratch, StoreEntry.Replace('/', Path.DirectorySeparatorChar));
            if (File.Exists(storeCopy))
            {
                try
                {
                    using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storeCopy, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
                    c.Open();
                    using var check = c.CreateCommand();
                    check.CommandText = "PRAGMA integrity_check;";
                    integrity = check.ExecuteScalar() as string;
                    check.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
                    schema = Convert.ToInt32(check.ExecuteScalar(), CultureInfo.InvariantCulture);
                    opened = integrity == "ok";
                    if (!opened)
                    {
                        problems.Add($"the restored store failed SQLite's integrity check: {integrity}");
                    }
                }
                catch (SqliteException ex)
                {
                    problems.Add($"the restored store does not open: {ex.Message}");
                }
            }
            else if (verification.Passed && File.Exists(config.Store.Path))
            {
                problems.Add("the backup holds no state store, but there is a live one");
            }

            var same = 0;
            var different = new List<string>();
            var missing = new List<string>();
            foreach (var e in restored)
            {
                var live = TargetFor(e.Path);
                if (e.Path == StoreEntry)
                {
                    continue; // the live store changes every probe round; its check is the integrity check above
                }

                if (!File.Exists(live))
                {
                    missing.Add(live);
                }
                else if (SameContent(live, e))
                {
                    same++;
                }
                else
                {
                    different.Add(live);
                }
            }

            var report = new DisasterRecoveryReport
            {
                BackupId = backup.Id,
                BackupCreatedAt = backup.CreatedAt,
                Passed = problems.Count == 0,
                Verification = verification,
                FilesRestored = restored.Count,
                BytesRestored = restored.Sum(e => e.Size),
                StoreOpened = opened,
                StoreSchemaVersion = schema,
                StoreIntegrity = integrity,
                SameAsLive = same,
                DifferentFromLive = different,
                MissingLive = missing,
                Problems = problems,
                Duration = clock.Elapsed,
            };
            _log.Information("Disaster-recovery drill with backup {Id}: {Outcome}; {Files} file(s) restored, store {Store}, {Different} differ from live, {Missing} missing live",
                backup.Id, report.Passed ? "passed" : "FAILED: " + string.Join("; ", problems), report.FilesRestored, opened ? $"schema {schema}" : "not opened", different.Count, missing.Count);
            return report;
        }
        finally
        {
            try
            {
                if (Directory.Exists(scratch))
                {
                    Directory.Delete(scratch, recursive: true);
                }
            }
            catch (IOException)
            {
            }
        }
    }

    /// <summary>Turns the archive's byte and file counts into progress records.</summary>
    private sealed class Progress(IOpsReporter reporter, string activity, string doing, string? pauseFolder = null) : IProgress<BackupProgress>
    {
        public void Report(BackupProgress value)
        {
            if (pauseFolder is not null && value.Bytes > 0)
            {
                // Crash tests stop a backup half-way through its archive here.
                TestHooks.PauseIfAsked("BackupWrite", pauseFolder);
            }

            var pct = value.TotalBytes > 0 ? (int)Math.Clamp(100 * value.Bytes / value.TotalBytes, 0, 100) : 0;
            reporter.Progress(new OpsProgress(3, activity,
                string.Create(CultureInfo.InvariantCulture, $"{doing}: {value.Files}/{value.TotalFiles} file(s), {value.Bytes / 1048576.0:0.0}/{value.TotalBytes / 1048576.0:0.0} MiB{(value.Current is null ? string.Empty : $" — {value.Current}")}"), pct));
        }
    }
}
