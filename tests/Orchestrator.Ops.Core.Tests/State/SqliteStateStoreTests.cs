using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.State;

public sealed class SqliteStateStoreTests : IDisposable
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(T0);

    public void Dispose() => _dir.Dispose();

    private string DbPath => _dir.File("state/ops.db");

    private Task<SqliteStateStore> Open(IReadOnlyList<SqliteMigration>? migrations = null, TimeSpan? busy = null) =>
        SqliteStateStore.OpenAsync(DbPath, busy ?? TimeSpan.FromSeconds(2), _time, migrations ?? SqliteMigrations.All, CancellationToken.None);

    private static OperationRecord Probe(string wrapper, string slot, DateTimeOffset at, OperationStatus status, double ms = 12.5) => new()
    {
        Wrapper = wrapper,
        Slot = slot,
        Source = OperationSource.Probe,
        OperationType = "health",
        StartedAt = at,
        EndedAt = at.AddMilliseconds(ms),
        DurationMs = ms,
        Status = status,
        StatusCode = status == OperationStatus.Success ? 200 : 500,
        ErrorMessage = status == OperationStatus.Success ? null : "HTTP 500",
        ErrorCode = status == OperationStatus.Success ? null : "HttpError",
        Attempts = 2,
        Version = "1.0.0",
        AttemptDetails =
        [
            new ProbeAttempt(1, at, 5, ProbeAttemptOutcome.HttpError, 500, "HTTP 500"),
            new ProbeAttempt(2, at.AddMilliseconds(6), 6.5, ProbeAttemptOutcome.Success, 200, null),
        ],
    };

    [Fact]
    public async Task A_new_store_is_created_in_WAL_mode_at_the_newest_schema()
    {
        await using var store = await Open();

        Assert.True(File.Exists(DbPath));
        Assert.Equal(SqliteMigrations.All.Max(m => m.Version), await store.GetSchemaVersionAsync(default));
        await using var c = new SqliteConnection($"Data Source={DbPath}");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = "PRAGMA journal_mode;";
        Assert.Equal("wal", (string?)await cmd.ExecuteScalarAsync());
    }

    [Fact]
    public void Migrations_are_numbered_one_up_without_gaps()
    {
        Assert.Equal(Enumerable.Range(1, SqliteMigrations.All.Count), SqliteMigrations.All.Select(m => m.Version));
    }

    [Fact]
    public async Task Records_and_their_attempts_survive_reopening()
    {
        await using (var store = await Open())
        {
            var saved = await store.Health.AddAsync([Probe("routellm", "blue", T0, OperationStatus.Success)], default);
            Assert.True(saved[0].Id > 0);
        }

        await using var again = await Open();
        var all = await again.Health.GetAsync(new OperationQuery(T0.AddHours(-1), T0.AddHours(1)) { IncludeAttempts = true }, default);
        var r = Assert.Single(all);
        Assert.Equal(("routellm", "blue", OperationSource.Probe, OperationStatus.Success, 2, "1.0.0"), (r.Wrapper, r.Slot, r.Source, r.Status, r.Attempts, r.Version));
        Assert.Equal(T0, r.StartedAt);
        Assert.Equal(12.5, r.DurationMs);
        Assert.Equal([ProbeAttemptOutcome.HttpError, ProbeAttemptOutcome.Success], r.AttemptDetails.Select(a => a.Outcome));
        Assert.Equal(500, r.AttemptDetails[0].StatusCode);
    }

    [Fact]
    public async Task Queries_filter_by_time_wrapper_slot_and_source()
    {
        await using var store = await Open();
        await store.Health.AddAsync(
        [
            Probe("routellm", "blue", T0.AddMinutes(-90), OperationStatus.Success),
            Probe("routellm", "blue", T0.AddMinutes(-10), OperationStatus.Error),
            Probe("routellm", "green", T0.AddMinutes(-5), OperationStatus.Success),
            Probe("poml", "blue", T0.AddMinutes(-1), OperationStatus.Success) with { Source = OperationSource.Traffic, OperationType = "request" },
        ], default);

        var lastHour = new OperationQuery(T0.AddHours(-1), T0);
        Assert.Equal(3, (await store.Health.GetAsync(lastHour, default)).Count);
        Assert.Single(await store.Health.GetAsync(lastHour with { Wrapper = "routellm", Slot = "blue" }, default));
        Assert.Single(await store.Health.GetAsync(lastHour with { Source = OperationSource.Traffic }, default));

        var last = await store.Health.GetLastProbeTimesAsync(default);
        Assert.Equal(T0.AddMinutes(-10), last[("routellm", "blue")]);
        Assert.Equal(T0.AddMinutes(-5), last[("routellm", "green")]);
        Assert.False(last.ContainsKey(("poml", "blue")));
    }

    [Fact]
    public async Task In_flight_operations_are_counted_and_settings_round_trip()
    {
        await using var store = await Open();
        await store.Health.AddAsync([Probe("poml", "blue", T0, OperationStatus.Started) with { EndedAt = null, DurationMs = null }], default);
        Assert.Equal(1, await store.Health.CountInFlightAsync(default));

        Assert.Null(await store.Settings.GetAsync("k", default));
        await store.Settings.SetAsync("k", "one", default);
        await store.Settings.SetAsync("k", "two", default);
        Assert.Equal("two", await store.Settings.GetAsync("k", default));
    }

    [Fact]
    public async Task An_older_store_is_migrated_forward_keeping_its_data()
    {
        await using (var v1 = await Open(SqliteMigrations.All.Take(1).ToList()))
        {
            Assert.Equal(1, await v1.GetSchemaVersionAsync(default));
        }

        // Rows as the first version wrote them, with its own statements (today's code writes tables it did not have).
        await using (var c = new SqliteConnection($"Data Source={DbPath}"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO operations (wrapper, slot, source, operation_type, started_at, status) VALUES
                    ('routellm', 'blue', 'probe', 'health', $t0, 'success'),
                    ('routellm', 'blue', 'traffic', 'operation', $t1, 'success'),
                    ('poml', 'green', 'traffic', 'operation', $t0, 'success');
                """;
            cmd.Parameters.AddWithValue("$t0", T0.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$t1", T0.AddMinutes(1).ToUnixTimeMilliseconds());
            await cmd.ExecuteNonQueryAsync();
        }

        SqliteConnection.ClearAllPools();
        var extra = new SqliteMigration(SqliteMigrations.All.Max(m => m.Version) + 1, "test column", "ALTER TABLE settings ADD COLUMN note TEXT;");
        await using var latest = await Open([.. SqliteMigrations.All, extra]);

        Assert.Equal(extra.Version, await latest.GetSchemaVersionAsync(default));
        Assert.Equal(3, (await latest.Health.GetAsync(new OperationQuery(T0.AddHours(-1), T0.AddHours(1)), default)).Count);

        // The series were built from the rows there: each wrapper and slot, with its newest probe where it has one.
        Assert.Equal(2, (await latest.Health.GetAsync(new OperationQuery(T0.AddHours(-1), T0.AddHours(1)) { Wrapper = "routellm" }, default)).Count);
        Assert.Single(await latest.Health.GetAsync(new OperationQuery(T0.AddHours(-1), T0.AddHours(1)) { Slot = "green" }, default));
        var last = await latest.Health.GetLastProbeTimesAsync(default);
        Assert.Equal(T0, Assert.Single(last, p => p.Key == ("routellm", "blue")).Value);
        Assert.DoesNotContain(last, p => p.Key == ("poml", "green"));
    }

    [Fact]
    public async Task Rows_an_earlier_writer_inserts_are_found_by_wrapper_and_slot_alone_and_count_as_probes()
    {
        await using var store = await Open();

        // A service of an earlier version, still running after an upgrade, writes with its own statements only.
        await using (var c = new SqliteConnection($"Data Source={DbPath}"))
        {
            await c.OpenAsync();
            await using var cmd = c.CreateCommand();
            cmd.CommandText = """
                INSERT INTO operations (wrapper, slot, source, operation_type, started_at, status) VALUES
                    ('late-wrapper', 'green', 'probe', 'health', $t0, 'success'),
                    ('late-wrapper', 'green', 'probe', 'health', $t1, 'success');
                INSERT INTO traffic_aggregates (wrapper, slot, bucket_start, bucket_ms, successes, fallbacks, errors, timeouts, cancelled,
                    status_1xx, status_2xx, status_3xx, status_4xx, status_5xx, latency_sum_ms, latency_histogram, last_activity_at)
                VALUES ('traffic-only', 'blue', $t0, 1000, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 5.0, X'', $t0);
                """;
            cmd.Parameters.AddWithValue("$t0", T0.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$t1", T0.AddMinutes(1).ToUnixTimeMilliseconds());
            await cmd.ExecuteNonQueryAsync();
        }

        var range = new OperationQuery(T0.AddHours(-1), T0.AddHours(1)) { Wrapper = "late-wrapper" };
        Assert.Equal(2, (await store.Health.GetAsync(range, default)).Count);
        Assert.Equal(T0.AddMinutes(1), (await store.Health.GetLastProbeTimesAsync(default))[("late-wrapper", "green")]);
        // Its per-second rows only (it knows no rollups): found by a read of the seconds.
        Assert.Single(await store.Health.GetTrafficAsync(new TrafficQuery(T0.AddHours(-1), T0.AddHours(1)) { Slot = "blue", Step = TimeSpan.FromSeconds(1) }, default),
            a => a.Wrapper == "traffic-only");
    }

    [Fact]
    public async Task A_store_from_a_newer_version_is_refused_and_left_alone()
    {
        var extra = new SqliteMigration(SqliteMigrations.All.Max(m => m.Version) + 1, "future", "CREATE TABLE future (x INTEGER);");
        await using (await Open([.. SqliteMigrations.All, extra]))
        {
        }

        SqliteConnection.ClearAllPools();
        var before = await File.ReadAllBytesAsync(DbPath);
        var ex = await Assert.ThrowsAsync<StateStoreException>(() => Open());

        Assert.Equal(StateStoreFailure.TooNew, ex.Failure);
        Assert.Contains(DbPath, ex.Message);
        SqliteConnection.ClearAllPools();
        Assert.Equal(before, await File.ReadAllBytesAsync(DbPath));
    }

    [Fact]
    public async Task A_corrupt_store_gives_a_clear_error_and_is_not_overwritten()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DbPath)!);
        var garbage = Enumerable.Range(0, 8192).Select(i => (byte)(i * 7 % 251)).ToArray();
        await File.WriteAllBytesAsync(DbPath, garbage);

        var ex = await Assert.ThrowsAsync<StateStoreException>(() => Open());

        Assert.Equal(StateStoreFailure.Corrupt, ex.Failure);
        Assert.Contains(DbPath, ex.Message);
        Assert.Contains("left untouched", ex.Message);
        Assert.Equal(garbage, await File.ReadAllBytesAsync(DbPath));
    }

    [Fact]
    public async Task A_store_locked_by_another_process_fails_after_the_busy_timeout_and_loses_nothing()
    {
        await using var store = await Open(busy: TimeSpan.FromMilliseconds(300));
        await store.Health.AddAsync([Probe("routellm", "blue", T0, OperationStatus.Success)], default);

        await using (var holder = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var lockCmd = holder.CreateCommand())
            {
                lockCmd.CommandText = "BEGIN EXCLUSIVE;";
                await lockCmd.ExecuteNonQueryAsync();
            }

            var ex = await Assert.ThrowsAsync<StateStoreException>(() =>
                store.Health.AddAsync([Probe("routellm", "blue", T0.AddSeconds(1), OperationStatus.Success)], default));
            Assert.Equal(StateStoreFailure.Locked, ex.Failure);
            Assert.Contains("locked", ex.Message);

            await using var rollback = holder.CreateCommand();
            rollback.CommandText = "ROLLBACK;";
            await rollback.ExecuteNonQueryAsync();
        }

        await store.Health.AddAsync([Probe("routellm", "blue", T0.AddSeconds(2), OperationStatus.Success)], default);
        Assert.Equal(2, (await store.Health.GetAsync(new OperationQuery(T0.AddHours(-1), T0.AddHours(1)), default)).Count);
    }

    private static TrafficAggregate Traffic(string wrapper, string slot, DateTimeOffset second, int successes, int errors, double ms)
    {
        var a = new TrafficAggregate(wrapper, slot, second);
        for (var i = 0; i < successes; i++)
        {
            a.Record(OperationStatus.Success, false, 200, ms * (1 + (i % 7)), second.AddMilliseconds(i % 1000));
        }

        for (var i = 0; i < errors; i++)
        {
            a.Record(OperationStatus.Error, false, 502, ms * 10, second.AddMilliseconds(999));
        }

        return a;
    }

    [Fact]
    public async Task Traffic_aggregates_from_two_writers_on_one_store_add_up()
    {
        // Two stores on one file, as two gateway processes would have: each writes the same second and one of its own.
        await using var first = await Open();
        await using var second = await SqliteStateStore.OpenAsync(DbPath, TimeSpan.FromSeconds(2), _time, CancellationToken.None);
        var a = Traffic("routellm", "blue", T0, successes: 100, errors: 2, ms: 0.4);
        var b = Traffic("routellm", "blue", T0, successes: 50, errors: 0, ms: 3);
        var c = Traffic("routellm", "blue", T0.AddSeconds(1), successes: 7, errors: 1, ms: 1);
        await first.Health.AddTrafficAsync([a], default);
        await second.Health.AddTrafficAsync([b, c], default);
        await first.Health.AddTrafficAsync([Traffic("poml", "blue", T0, 5, 0, 1)], default);

        var perSecond = await first.Health.GetTrafficAsync(new TrafficQuery(T0, T0.AddMinutes(1)) { Wrapper = "routellm", Slot = "blue", Step = TimeSpan.FromSeconds(1) }, default);
        Assert.Equal([T0, T0.AddSeconds(1)], perSecond.Select(x => x.BucketStart));
        var t0 = perSecond[0];
        Assert.Equal((150L, 2L, 150L, 2L, 152L), (t0.Successes, t0.Errors, t0.Status2xx, t0.Status5xx, t0.Latency.Count));
        Assert.Equal(a.LatencySumMs + b.LatencySumMs, t0.LatencySumMs, 9);
        Assert.Equal(LatencyHistogram.AddEncoded(a.Latency.ToBytes(), b.Latency.ToBytes()), t0.Latency.ToBytes());
        Assert.Equal(T0.AddMilliseconds(999), t0.LastActivity);

        // One aggregate per wrapper and slot for the whole range, stamped with its start; buckets outside it are left out.
        var window = await second.Health.GetTrafficAsync(new TrafficQuery(T0, T0.AddMinutes(1)), default);
        Assert.Equal([("poml", 5L), ("routellm", 160L)], window.Select(x => (x.Wrapper, x.Requests)).OrderBy(x => x.Item1, StringComparer.Ordinal));
        Assert.All(window, x => Assert.Equal(T0, x.BucketStart));
        Assert.Empty(await first.Health.GetTrafficAsync(new TrafficQuery(T0.AddSeconds(2), T0.AddMinutes(1)), default));
        var fromSecondOne = Assert.Single(await first.Health.GetTrafficAsync(new TrafficQuery(T0.AddSeconds(1), T0.AddSeconds(2)), default));
        Assert.Equal((7L, 1L), (fromSecondOne.Successes, fromSecondOne.Errors));
    }

    [Fact]
    public async Task A_locked_store_refuses_traffic_aggregates_and_takes_them_later()
    {
        await using var store = await Open(busy: TimeSpan.FromMilliseconds(300));
        var a = Traffic("routellm", "blue", T0, successes: 10, errors: 1, ms: 2);
        await using (var holder = new SqliteConnection($"Data Source={DbPath};Pooling=False"))
        {
            await holder.OpenAsync();
            await using (var lockCmd = holder.CreateCommand())
            {
                lockCmd.CommandText = "BEGIN EXCLUSIVE;";
                await lockCmd.ExecuteNonQueryAsync();
            }

            var ex = await Assert.ThrowsAsync<StateStoreException>(() => store.Health.AddTrafficAsync([a], default));
            Assert.Equal(StateStoreFailure.Locked, ex.Failure);
        }

        await store.Health.AddTrafficAsync([a], default);
        var stored = Assert.Single(await store.Health.GetTrafficAsync(new TrafficQuery(T0.AddHours(-1), T0.AddHours(1)), default));
        Assert.Equal((10L, 1L, a.LatencySumMs), (stored.Successes, stored.Errors, stored.LatencySumMs));
    }

    [Fact]
    public async Task Pruning_removes_finished_operations_and_traffic_older_than_the_cutoff_and_keeps_the_rest()
    {
        await using var store = await Open(SqliteMigrations.All);
        await store.Health.AddAsync(
        [
            Probe("routellm", "blue", T0.AddDays(-40), OperationStatus.Success),
            Probe("routellm", "blue", T0.AddDays(-40), OperationStatus.Started) with { EndedAt = null, DurationMs = null },
            Probe("routellm", "blue", T0.AddDays(-1), OperationStatus.Success),
        ], default);
        await store.Health.AddTrafficAsync([Traffic("routellm", "blue", T0.AddDays(-40), 2, 0, 10), Traffic("routellm", "blue", T0.AddDays(-1), 2, 0, 10)], default);

        var pruned = await store.Health.PruneAsync(HistoryCutoffs.All(T0.AddDays(-31)), default);

        Assert.Equal((1L, 1L, 1L, 1L), (pruned.Operations, pruned.Seconds, pruned.Minutes, pruned.Hours));
        var left = await store.Health.GetAsync(new OperationQuery(T0.AddDays(-50), T0), default);
        Assert.Equal(2, left.Count); // the recent one, and the old one still in flight
        Assert.Contains(left, r => r.Status == OperationStatus.Started);
        Assert.Single(await store.Health.GetTrafficAsync(new TrafficQuery(T0.AddDays(-50), T0), default));
    }
}
