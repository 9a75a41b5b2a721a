using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The backup capability: what a backup holds (the store through SQLite's online backup API, the ops config, the
/// rollback points, the configured application paths), verified backups, safe restores, retention and the
/// disaster-recovery drill. Backups are files under the backup root (their manifests are the registry), so restoring an
/// old store never forgets newer backups, and nothing here needs the store to open — a corrupt store can be restored.
/// New-Backup, Restore-Backup and Remove-Backup hold the root's lock.
/// <para>
/// A thin facade: <see cref="BackupCreator"/> makes backups, <see cref="BackupRestorer"/> restores them (with the
/// journaled in-place swap), <see cref="BackupRetention"/> decides retention (pure) and <see cref="BackupRemoval"/>
/// plans and removes, <see cref="BackupDrill"/> runs the disaster-recovery drill; <see cref="BackupCatalog"/> lists,
/// <see cref="BackupPaths"/> maps live files to entries and <see cref="StoreCopier"/> copies the live store.
/// </para>
/// </summary>
public sealed class BackupService
{
    /// <summary>Entries under the ops root are stored as opsroot/&lt;relative path&gt;; anything else as files/&lt;absolute path&gt;.</summary>
    public const string OpsRootPrefix = "opsroot/";

    public const string FilesPrefix = "files/";

    /// <summary>The tag of the backup an in-place restore makes of what it overwrites.</summary>
    public const string SafetyTag = "safety";

    private readonly OpsConfig _config;
    private readonly BackupPaths _paths;
    private readonly BackupCatalog _catalog;
    private readonly RestoreJournal _journal;
    private readonly BackupCreator _creator;
    private readonly BackupRestorer _restorer;
    private readonly BackupRemoval _removal;
    private readonly BackupDrill _drill;

    public BackupService(OpsConfig config, TimeProvider time, ILogger log)
    {
        var backupLog = log.ForCategory("backup");
        var store = new StoreCopier(config.Store, time, backupLog);
        _config = config;
        _paths = new BackupPaths(config);
        _catalog = new BackupCatalog(config.Backups.Root);
        _journal = new RestoreJournal(config.Backups.Root);
        _creator = new BackupCreator(config, _paths, store, _journal, time, backupLog);
        _restorer = new BackupRestorer(config, _paths, store, _journal, _creator, time, backupLog);
        _removal = new BackupRemoval(config.Backups.Root, _catalog, backupLog);
        _drill = new BackupDrill(config, _paths, _catalog, backupLog);
    }

    public string Root => _config.Backups.Root;

    /// <summary>A service that logs nothing, for reading (listing, planning) without touching the ops logs.</summary>
    public static BackupService ForReading(OpsConfig config) => new(config, TimeProvider.System, Serilog.Core.Logger.None);

    /// <summary>Runs backup work with the ops logs open, without opening the state store (a corrupt store must still be restorable).</summary>
    public static async Task<T> RunLoggedAsync<T>(OpsConfig config, Func<BackupService, Task<T>> work)
    {
        using var log = OpsLogging.Create(config.LogsFolder);
        return await work(new BackupService(config, TimeProvider.System, log)).ConfigureAwait(false);
    }

    /// <summary>The path inside a backup for a live file.</summary>
    public string EntryFor(string path) => _paths.EntryFor(path);

    /// <summary>Where an entry goes when restored in place.</summary>
    public string TargetFor(string entry) => _paths.TargetFor(entry);

    /// <summary>Makes a backup and verifies it by reading every byte back. Nothing is listed unless it is complete.</summary>
    public Task<Backup> CreateAsync(string? description, string? tag, IReadOnlyList<string> extraPaths, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _creator.CreateAsync(description, tag, extraPaths, reporter, cancellationToken);

    /// <summary>Complete backups, newest first, and the ids whose manifest could not be read.</summary>
    public (IReadOnlyList<Backup> Backups, IReadOnlyList<BackupListing> Unreadable) List(CancellationToken cancellationToken = default) =>
        _catalog.List(cancellationToken);

    public Backup Get(string id) => _catalog.Get(id);

    public Task<BackupVerification> VerifyAsync(string id, bool readData, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _catalog.VerifyAsync(id, readData, reporter, cancellationToken);

    /// <summary>What a restore would do to each file, for -WhatIf: Created, Replaced or Unchanged.</summary>
    public IReadOnlyList<RestoredBackupFile> PlanRestore(string id, string? destination, IReadOnlyList<string>? subset) =>
        _restorer.Plan(id, destination, subset);

    /// <summary>
    /// Restores a backup (or a subset) into <paramref name="destination"/>, or in place when it is null. The backup is
    /// verified byte for byte first and refused when damaged, touching nothing. In place: everything is extracted and
    /// hash-checked in a staging folder first, a safety backup is made of every file that will be overwritten, then each
    /// file is swapped in atomically and the store is restored through SQLite's backup API (refused while a deployment
    /// operation holds the store).
    /// </summary>
    public Task<RestoreResult> RestoreAsync(string id, string? destination, IReadOnlyList<string>? subset, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _restorer.RestoreAsync(id, destination, subset, reporter, cancellationToken);

    /// <summary>An in-place restore that was interrupted (its process died), if any: what it was restoring and its safety backup.</summary>
    public string? InterruptedRestore() => _journal.Interrupted();

    /// <summary>
    /// Which backups the retention policy keeps and why (restic-like): the newest keepLast; the newest of each of the
    /// last keepDaily days, keepWeekly ISO weeks and keepMonthly months that have backups (UTC). Everything else goes.
    /// </summary>
    public IReadOnlyList<RetentionDecision> PlanRetention(int keepLast, int keepDaily, int keepWeekly, int keepMonthly) =>
        BackupRetention.Plan(List().Backups, new RetentionPolicy(keepLast, keepDaily, keepWeekly, keepMonthly));

    /// <summary>The retention policy for Remove-Backup's counts: the configured one when none is given, else exactly those given (the rest 0).</summary>
    public RetentionPolicy RetentionPolicyFor(int? keepLast, int? keepDaily, int? keepWeekly, int? keepMonthly) =>
        RetentionPolicy.Resolve(_config.Backups, keepLast, keepDaily, keepWeekly, keepMonthly);

    /// <summary>What removing these backups by id would remove, and which ids name no complete backup.</summary>
    public BackupRemovalPlan PlanRemoval(IReadOnlyList<string> ids, CancellationToken cancellationToken) =>
        _removal.PlanById(ids, cancellationToken);

    /// <summary>What applying <paramref name="policy"/> would keep and remove, and why.</summary>
    public BackupRemovalPlan PlanRemoval(RetentionPolicy policy, CancellationToken cancellationToken) =>
        _removal.PlanByPolicy(policy, cancellationToken);

    /// <summary>Deletes backups (manifest first, so a half-deleted one is never listed), under the lock.</summary>
    public IReadOnlyList<string> Remove(IReadOnlyList<string> ids) => _removal.Remove(ids);

    /// <summary>
    /// The runbook's monthly disaster-recovery test: restores the newest backup (or <paramref name="id"/>) into a scratch
    /// folder, verifies every byte, opens the restored store read-only (integrity check and schema version), compares
    /// every restored file with the live one, and removes the scratch folder.
    /// </summary>
    public Task<DisasterRecoveryReport> DrillAsync(string? id, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _drill.RunAsync(id, reporter, cancellationToken);
}
