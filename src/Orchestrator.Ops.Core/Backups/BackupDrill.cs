using System.Diagnostics;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// The runbook's monthly disaster-recovery test: a backup restored into a scratch folder and verified byte for byte, its
/// store opened read-only (integrity check and schema version), every restored file compared with the live one, and
/// the scratch folder removed. Nothing live is touched and no lock is taken.
/// </summary>
internal sealed class BackupDrill(OpsConfig config, BackupPaths paths, BackupCatalog catalog, ILogger log)
{
    private string Root => config.Backups.Root;

    /// <summary>Drills with the newest backup that is no safety backup, or with <paramref name="id"/>.</summary>
    public async Task<DisasterRecoveryReport> RunAsync(string? id, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var backup = id is null
            ? catalog.List().Backups.FirstOrDefault(b => b.Tag != BackupService.SafetyTag) ?? throw new BackupException(BackupFailure.NotFound, "-", Root, $"There is no backup under '{Root}' to drill with; New-Backup makes one.")
            : catalog.Get(id);
        var problems = new List<string>();
        var verification = await catalog.VerifyAsync(backup.Id, readData: true, reporter, cancellationToken).ConfigureAwait(false);
        if (!verification.Passed)
        {
            problems.Add($"verification: {verification.Describe()}");
        }

        var scratch = Path.Combine(Path.GetTempPath(), $"orchestrator-ops-drill-{backup.Id}-{Guid.NewGuid():N}");
        try
        {
            IReadOnlyList<BackupEntry> restored = [];
            if (verification.Passed)
            {
                restored = await BackupArchive.ExtractAsync(Root, backup.Id, scratch, null, new ArchiveProgress(reporter, $"Drill {backup.Id}", "Restoring into a scratch folder"), cancellationToken).ConfigureAwait(false);
            }

            var store = CheckStore(Path.Combine(scratch, paths.StoreEntry.Replace('/', Path.DirectorySeparatorChar)), verification.Passed, problems);
            var (same, different, missing) = CompareWithLive(restored);
            var report = new DisasterRecoveryReport
            {
                BackupId = backup.Id,
                BackupCreatedAt = backup.CreatedAt,
                Passed = problems.Count == 0,
                Verification = verification,
                FilesRestored = restored.Count,
                BytesRestored = restored.Sum(e => e.Size),
                StoreOpened = store.Opened,
                StoreSchemaVersion = store.Schema,
                StoreIntegrity = store.Integrity,
                SameAsLive = same,
                DifferentFromLive = different,
                MissingLive = missing,
                Problems = problems,
                Duration = clock.Elapsed,
            };
            log.Information("Disaster-recovery drill with backup {Id}: {Outcome}; {Files} file(s) restored, store {Store}, {Different} differ from live, {Missing} missing live",
                backup.Id, report.Passed ? "passed" : "FAILED: " + string.Join("; ", problems), report.FilesRestored, store.Opened ? $"schema {store.Schema}" : "not opened", different.Count, missing.Count);
            return report;
        }
        finally
        {
            BackupFiles.DeleteFolder(scratch);
        }
    }

    /// <summary>Opens the restored store read-only: SQLite's integrity check and the schema version; what is wrong goes to <paramref name="problems"/>.</summary>
    private (bool Opened, int? Schema, string? Integrity) CheckStore(string storeCopy, bool verified, List<string> problems)
    {
        if (!File.Exists(storeCopy))
        {
            if (verified && File.Exists(config.Store.Path))
            {
                problems.Add("the backup holds no state store, but there is a live one");
            }

            return (false, null, null);
        }

        string? integrity = null;
        try
        {
            using var c = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = storeCopy, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
            c.Open();
            using var check = c.CreateCommand();
            check.CommandText = "PRAGMA integrity_check;";
            integrity = check.ExecuteScalar() as string;
            check.CommandText = "SELECT COALESCE(MAX(version), 0) FROM schema_version;";
            var schema = Convert.ToInt32(check.ExecuteScalar(), CultureInfo.InvariantCulture);
            var opened = integrity == "ok";
            if (!opened)
            {
                problems.Add($"the restored store failed SQLite's integrity check: {integrity}");
            }

            return (opened, schema, integrity);
        }
        catch (SqliteException ex)
        {
            problems.Add($"the restored store does not open: {ex.Message}");
            return (false, null, integrity);
        }
    }

    /// <summary>Each restored file against the live one (the store is skipped: it changes every probe round; its check is the integrity check).</summary>
    private (int Same, List<string> Different, List<string> Missing) CompareWithLive(IReadOnlyList<BackupEntry> restored)
    {
        var same = 0;
        var different = new List<string>();
        var missing = new List<string>();
        foreach (var e in restored)
        {
            var live = paths.TargetFor(e.Path);
            if (e.Path == paths.StoreEntry)
            {
                continue;
            }

            if (!File.Exists(live))
            {
                missing.Add(live);
            }
            else if (BackupFiles.SameContent(live, e))
            {
                same++;
            }
            else
            {
                different.Add(live);
            }
        }

        return (same, different, missing);
    }
}
