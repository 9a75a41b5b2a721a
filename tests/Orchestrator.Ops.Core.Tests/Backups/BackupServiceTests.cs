using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Backups;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>What a backup holds, restores in place and into a folder, refusal of damaged backups, the lock, retention and the drill — on real files and a real SQLite store.</summary>
public sealed class BackupServiceTests : IAsyncLifetime
{
    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 20, 9, 0, 0, TimeSpan.Zero));
    private OpsEngine _engine = null!;
    private string _app = null!;
    private string _routing = null!;

    private BackupService Backups => new(_engine.Config, _time, _engine.Log);

    public async Task InitializeAsync()
    {
        _app = _dir.Write("app/wrappers.json", "{ \"routellm\": { \"timeoutMs\": 1000 } }\n");
        _routing = _dir.Write("app/routing/models.yaml", "default: gpt\n");
        var path = _dir.Write("ops.json", ConfigText.Minimal[..^2] + """
            ,
              "backups": { "paths": ["app"] }
            }
            """);
        _engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), new OpsEngineOptions { Time = _time }, default);
        await _engine.Store.Settings.SetAsync("marker", "before", default);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public async Task A_backup_holds_the_store_the_config_the_rollback_points_and_the_configured_paths_and_is_verified()
    {
        // A rollback point as the deployment capability records it (files under the ops root, a row in the store);
        // made by hand because the configured wrappers do not run here.
        var files = RollbackPointFiles.Capture(_engine.Config.OpsRoot, "p1", [_engine.Config.SourcePath]);
        var point = new RollbackPoint
        {
            CreatedAt = _time.GetUtcNow(), CreatedBy = "test", ActiveSlot = "blue", Files = files, Source = "manual",
            Folder = Path.Combine(RollbackPointFiles.Root(_engine.Config.OpsRoot), "p1"),
            Versions = new Dictionary<string, IReadOnlyDictionary<string, string?>>(),
        };
        point = point with { Id = await _engine.Store.Deployment.AddRollbackPointAsync(point, default) };
        RollbackPointFiles.WriteManifest(point);

        var b = await Backups.CreateAsync("first", "test", [], NullReporter.Instance, default);

        Assert.True(b.Verified);
        var paths = b.Entries.Select(e => e.Path).ToList();
        Assert.Contains("opsroot/state/ops.db", paths);
        Assert.Contains("opsroot/ops.json", paths);
        Assert.Contains("opsroot/app/wrappers.json", paths);
        Assert.Contains("opsroot/app/routing/models.yaml", paths);
        Assert.Contains(paths, p => p.StartsWith("opsroot/rollback-points/", StringComparison.Ordinal) && p.EndsWith("point.json", StringComparison.Ordinal));
        Assert.DoesNotContain(paths, p => p.Contains("backups/", StringComparison.Ordinal) || p.EndsWith("-wal", StringComparison.Ordinal));
        Assert.Equal(("first", "test"), (b.Description, b.Tag));
        Assert.Single(Backups.List().Backups);
        Assert.Empty(Directory.EnumerateFiles(_engine.Config.Backups.Root, ".*.store-snapshot"));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(b.Location));
        }

        // The store copy is a consistent database with the data (SQLite's backup API, not a raw copy of a WAL database).
        var into = _dir.File("restored");
        await Backups.RestoreAsync(b.Id, into, ["opsroot/state/ops.db"], NullReporter.Instance, default);
        var copy = await Core.State.SqliteStateStore.OpenAsync(Path.Combine(into, "opsroot", "state", "ops.db"), TimeSpan.FromSeconds(1), _time, default);
        await using (copy)
        {
            Assert.Equal("before", await copy.Settings.GetAsync("marker", default));
            Assert.Single(await copy.Deployment.GetRollbackPointsAsync(point.Id, false, 1, default));
        }
    }

    [Fact]
    public async Task An_in_place_restore_puts_files_and_store_back_after_a_safety_backup_of_what_it_overwrites()
    {
        var original = await File.ReadAllBytesAsync(_app);
        var b = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        await File.WriteAllTextAsync(_app, "{ \"broken\": true }\n");
        File.Delete(_routing);
        await _engine.Store.Settings.SetAsync("marker", "after", default);

        var plan = Backups.PlanRestore(b.Id, null, null);
        Assert.Equal(RestoredBackupFileAction.Replaced, plan.Single(p => p.Target == _app).Action);
        Assert.Equal(RestoredBackupFileAction.Created, plan.Single(p => p.Target == _routing).Action);
        Assert.Equal(RestoredBackupFileAction.Unchanged, plan.Single(p => p.Target == _engine.Config.SourcePath).Action);

        var r = await Backups.RestoreAsync(b.Id, null, null, NullReporter.Instance, default);

        Assert.True(r.InPlace && r.Verified && r.StoreRestored);
        Assert.Equal(original, await File.ReadAllBytesAsync(_app));
        Assert.Equal("default: gpt\n", await File.ReadAllTextAsync(_routing));
        Assert.Equal("before", await _engine.Store.Settings.GetAsync("marker", default));
        Assert.Equal((1, 1), (r.Created, r.Replaced - 1)); // the store counts as replaced too

        // The safety backup holds what was overwritten: the broken file and the store as it was.
        var safety = Backups.Get(r.SafetyBackupId!);
        Assert.Equal(BackupService.SafetyTag, safety.Tag);
        var undo = _dir.File("undo");
        await Backups.RestoreAsync(safety.Id, undo, null, NullReporter.Instance, default);
        Assert.Equal("{ \"broken\": true }\n", await File.ReadAllTextAsync(Path.Combine(undo, "opsroot", "app", "wrappers.json")));
        Assert.Null(Backups.InterruptedRestore());
        Assert.Empty(Directory.EnumerateDirectories(_engine.Config.Backups.Root, ".staging-*"));
    }

    [Fact]
    public async Task A_damaged_backup_is_refused_and_nothing_in_place_changes()
    {
        var b = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        await File.WriteAllTextAsync(_app, "changed since\n");
        var bytes = await File.ReadAllBytesAsync(b.Location);
        bytes[bytes.Length / 2] ^= 0x40;
        await File.WriteAllBytesAsync(b.Location, bytes);

        var ex = await Assert.ThrowsAsync<BackupException>(() => Backups.RestoreAsync(b.Id, null, null, NullReporter.Instance, default));

        Assert.Equal(BackupFailure.Damaged, ex.Failure);
        Assert.Contains(b.Id, ex.Message);
        Assert.Contains("nothing was changed", ex.Message);
        Assert.Equal("changed since\n", await File.ReadAllTextAsync(_app));
        Assert.Single(Backups.List().Backups);
    }

    [Fact]
    public async Task A_damaged_backup_restored_into_a_folder_leaves_the_folder_as_it_was()
    {
        var b = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        var bytes = await File.ReadAllBytesAsync(b.Location);
        bytes[(int)(bytes.Length * 0.7)] ^= 0x01;
        await File.WriteAllBytesAsync(b.Location, bytes);
        var into = _dir.File("into");
        Directory.CreateDirectory(into);
        _dir.Write("into/keep.txt", "mine");

        var ex = await Assert.ThrowsAsync<BackupException>(() => Backups.RestoreAsync(b.Id, into, null, NullReporter.Instance, default));

        Assert.Equal(BackupFailure.Damaged, ex.Failure);
        Assert.Equal(["keep.txt"], Directory.EnumerateFileSystemEntries(into).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_restore_of_the_store_is_refused_while_a_deployment_holds_it()
    {
        var b = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        await _engine.Store.Deployment.TryAcquireLockAsync(new DeploymentLockHolder("t", "carol@ops (pid 1, Switch-DeploymentSlot)", "h", 1, _time.GetUtcNow(), null), _ => false, default);

        var ex = await Assert.ThrowsAsync<BackupLockedException>(() => Backups.RestoreAsync(b.Id, null, null, NullReporter.Instance, default));

        Assert.Contains("carol@ops", ex.Message);

        // A subset without the store goes ahead.
        var r = await Backups.RestoreAsync(b.Id, null, ["opsroot/app"], NullReporter.Instance, default);
        Assert.False(r.StoreRestored);
    }

    [Fact]
    public async Task A_second_operation_on_the_root_is_refused_at_once_naming_the_holder()
    {
        await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        using (BackupLock.Acquire(_engine.Config.Backups.Root, "New-Backup"))
        {
            var ex = await Assert.ThrowsAsync<BackupLockedException>(() => Backups.CreateAsync(null, null, [], NullReporter.Instance, default));
            Assert.Contains($"pid {Environment.ProcessId}, New-Backup", ex.Message);
            Assert.Throws<BackupLockedException>(() => Backups.Remove([Backups.List().Backups[0].Id]));
        }

        Assert.Single(Backups.List().Backups);
        await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        Assert.Equal(2, Backups.List().Backups.Count);
    }

    /// <summary>
    /// A service on the real clock, for the tests where another connection holds the store for real milliseconds: the
    /// wait for the store is measured and paced on the service's clock, and the fake one only moves when a test moves it.
    /// </summary>
    private BackupService OnRealClock(OpsConfig config) => new(config, TimeProvider.System, _engine.Log);

    [Fact]
    public async Task A_backup_waits_out_another_process_holding_the_store_for_a_moment()
    {
        await _engine.Store.Settings.SetAsync("marker", "held", default);
        using var holder = HoldStoreExclusively();
        var release = Task.Run(async () =>
        {
            await Task.Delay(400);
            holder.Dispose();
        });

        var b = await OnRealClock(_engine.Config).CreateAsync(null, null, [], NullReporter.Instance, default);
        await release;

        Assert.True(b.Verified);
        var into = _dir.File("restored");
        await Backups.RestoreAsync(b.Id, into, ["opsroot/state/ops.db"], NullReporter.Instance, default);
        var copy = await Core.State.SqliteStateStore.OpenAsync(Path.Combine(into, "opsroot", "state", "ops.db"), TimeSpan.FromSeconds(1), _time, default);
        await using (copy)
        {
            Assert.Equal("held", await copy.Settings.GetAsync("marker", default));
        }
    }

    [Fact]
    public async Task A_store_held_past_its_busy_timeout_fails_the_backup_clearly_and_leaves_nothing()
    {
        var impatient = OnRealClock(_engine.Config with { Store = _engine.Config.Store with { BusyTimeout = TimeSpan.FromMilliseconds(300) } });
        using var holder = HoldStoreExclusively();

        var e = await Assert.ThrowsAsync<BackupException>(() => impatient.CreateAsync(null, null, [], NullReporter.Instance, default));

        Assert.Equal(BackupFailure.StoreLocked, e.Failure);
        Assert.Contains("stayed locked", e.Message, StringComparison.Ordinal);
        Assert.Empty(impatient.List().Backups);
        Assert.Empty(Directory.EnumerateFiles(impatient.Root, "*snapshot*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task The_wait_for_a_held_store_runs_on_the_services_clock()
    {
        // SQLite's own busy handler waits 200 ms of real time per attempt; the bound and the pauses between attempts are
        // on the fake clock, so however long the store stays held in real time, the backup fails only once that clock
        // has moved past the busy timeout.
        var impatient = new BackupService(_engine.Config with { Store = _engine.Config.Store with { BusyTimeout = TimeSpan.FromMilliseconds(200) } }, _time, _engine.Log);
        using var holder = HoldStoreExclusively();

        var backup = Task.Run(() => impatient.CreateAsync(null, null, [], NullReporter.Instance, default));
        await Task.Delay(1000);
        Assert.False(backup.IsCompleted, "the backup gave up before its clock passed the busy timeout");
        _time.Advance(TimeSpan.FromSeconds(1));

        var e = await Assert.ThrowsAsync<BackupException>(() => backup);
        Assert.Equal(BackupFailure.StoreLocked, e.Failure);
        Assert.Contains("stayed locked by another process for more than 0.2 s (store.busyTimeoutMs)", e.Message, StringComparison.Ordinal);
        Assert.IsType<SqliteException>(e.InnerException);
        Assert.Empty(impatient.List().Backups);
        Assert.Empty(Directory.EnumerateFiles(impatient.Root, "*snapshot*", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task A_backup_waiting_for_a_held_store_stops_when_cancelled_and_leaves_nothing()
    {
        using var holder = HoldStoreExclusively();
        using var cts = new CancellationTokenSource();
        var impatient = new BackupService(_engine.Config with { Store = _engine.Config.Store with { BusyTimeout = TimeSpan.FromMilliseconds(100) } }, _time, _engine.Log);

        var backup = Task.Run(() => impatient.CreateAsync(null, null, [], NullReporter.Instance, cts.Token));
        await Task.Delay(500); // past the first refused attempt: the backup waits on its (fake) clock
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => backup);
        Assert.Empty(impatient.List().Backups);
        Assert.Empty(Directory.EnumerateFiles(impatient.Root, "*snapshot*", SearchOption.AllDirectories));
    }

    /// <summary>
    /// Another process holding the live store: a connection in exclusive locking mode keeps every other reader out until
    /// it closes. It can only take that lock alone, so the engine's idle pooled connections are closed first.
    /// </summary>
    private SqliteConnection HoldStoreExclusively()
    {
        SqliteConnection.ClearAllPools();
        var c = new SqliteConnection($"Data Source={_engine.Config.Store.Path};Pooling=False");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; UPDATE settings SET value = value WHERE 0; COMMIT;";
        cmd.ExecuteNonQuery();
        return c;
    }

    [Fact]
    public async Task A_missing_extra_path_makes_no_backup()
    {
        var ex = await Assert.ThrowsAsync<BackupException>(() => Backups.CreateAsync(null, null, [_dir.File("nope")], NullReporter.Instance, default));

        Assert.Equal(BackupFailure.SourceMissing, ex.Failure);
        Assert.Empty(Backups.List().Backups);
    }

    [Fact]
    public async Task Retention_keeps_the_newest_and_one_per_day_week_and_month_and_removes_the_rest()
    {
        // Two backups a day for 10 days.
        var ids = new List<string>();
        for (var day = 0; day < 10; day++)
        {
            for (var k = 0; k < 2; k++)
            {
                ids.Add((await Backups.CreateAsync($"day {day}", null, [], NullReporter.Instance, default)).Id);
                _time.Advance(TimeSpan.FromHours(6));
            }

            _time.Advance(TimeSpan.FromHours(12));
        }

        var plan = Backups.PlanRetention(keepLast: 1, keepDaily: 3, keepWeekly: 0, keepMonthly: 0);

        var kept = plan.Where(d => d.Keep).Select(d => d.Id).ToList();
        Assert.Equal([ids[19], ids[17], ids[15]], kept); // newest of the last three days; the newest is also "last"
        Assert.Contains("last", plan[0].Reason);
        Assert.Contains("daily", plan[0].Reason);

        Backups.Remove(plan.Where(d => !d.Keep).Select(d => d.Id).ToList());
        Assert.Equal(kept, Backups.List().Backups.Select(b => b.Id));
    }

    [Fact]
    public async Task Removal_by_id_plans_each_complete_backup_once_and_names_the_unknown_ids()
    {
        var a = await Backups.CreateAsync("a", null, [], NullReporter.Instance, default);
        _time.Advance(TimeSpan.FromHours(1));
        var b = await Backups.CreateAsync("b", null, [], NullReporter.Instance, default);

        var plan = Backups.PlanRemoval([b.Id, "20260101-000000-abcdef", a.Id, b.Id, "20260101-000000-abcdef"], default);

        Assert.Equal([(b.Id, b.CreatedAt, false, "removed by id"), (a.Id, a.CreatedAt, false, "removed by id")],
            plan.Decisions.Select(d => (d.Id, d.CreatedAt, d.Keep, d.Reason)));
        Assert.Equal(["20260101-000000-abcdef", "20260101-000000-abcdef"], plan.NotFound);
        Assert.Equal(2, Backups.List().Backups.Count); // planning removes nothing
    }

    [Fact]
    public async Task Removal_by_policy_uses_the_configured_policy_unless_counts_are_given()
    {
        // The configured policy (backups.keepDaily, the runbook's 7 days) keeps both backups of two days; -KeepLast 1 alone keeps one.
        var older = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        _time.Advance(TimeSpan.FromDays(1));
        var newer = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);

        var configured = Backups.RetentionPolicyFor(null, null, null, null);
        Assert.Equal(RetentionPolicy.From(_engine.Config.Backups), configured);
        Assert.All(Backups.PlanRemoval(configured, default).Decisions, d => Assert.Equal("kept: daily", d.Reason));

        var plan = Backups.PlanRemoval(Backups.RetentionPolicyFor(1, null, null, null), default);
        Assert.Empty(plan.NotFound);
        Assert.Equal([(newer.Id, true, "kept: last"), (older.Id, false, "not kept by the policy")], plan.Decisions.Select(d => (d.Id, d.Keep, d.Reason)));
    }

    [Fact]
    public async Task Planning_a_removal_stops_when_cancelled()
    {
        await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);

        Assert.Throws<OperationCanceledException>(() => Backups.PlanRemoval(RetentionPolicy.From(_engine.Config.Backups), new CancellationToken(canceled: true)));
        Assert.Throws<OperationCanceledException>(() => Backups.PlanRemoval(["x"], new CancellationToken(canceled: true)));
    }

    [Fact]
    public async Task The_drill_restores_into_scratch_checks_the_store_compares_with_live_and_cleans_up()
    {
        var b = await Backups.CreateAsync(null, null, [], NullReporter.Instance, default);
        await File.WriteAllTextAsync(_app, "changed after the backup\n");

        var report = await Backups.DrillAsync(null, NullReporter.Instance, default);

        Assert.True(report.Passed, string.Join("; ", report.Problems));
        Assert.Equal(b.Id, report.BackupId);
        Assert.True(report.StoreOpened);
        Assert.Equal("ok", report.StoreIntegrity);
        Assert.Equal(Core.State.SqliteMigrations.All.Max(m => m.Version), report.StoreSchemaVersion);
        Assert.Equal([_app], report.DifferentFromLive);
        Assert.Equal(b.Files, report.FilesRestored);
        Assert.Empty(Directory.EnumerateDirectories(Path.GetTempPath(), $"orchestrator-ops-drill-{b.Id}-*"));
    }
}
