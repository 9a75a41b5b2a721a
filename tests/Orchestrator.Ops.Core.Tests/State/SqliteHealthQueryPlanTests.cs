using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Tests.State;

/// <summary>
/// Each statement the health store reads with uses the index that answers it (EXPLAIN QUERY PLAN on a real store): a
/// wrapper and slot through their keys, a time range through the time index, and no scan of a table that grows with
/// time. The store grows by a row per wrapper, slot and second; a scan is a month view that takes seconds.
/// </summary>
public sealed class SqliteHealthQueryPlanTests : IAsyncLifetime
{
    private static readonly string[] GrowingTables = ["operations", "traffic_aggregates", "traffic_minutes", "traffic_hours", "probe_hours", "probe_attempts"];
    private readonly TempFolder _dir = new();
    private SqliteConnection _c = null!;

    public async Task InitializeAsync()
    {
        var path = _dir.File("state/ops.db");
        await using (await SqliteStateStore.OpenAsync(path, TimeSpan.FromSeconds(2), new FakeTimeProvider(), default))
        {
        }

        _c = new SqliteConnection($"Data Source={path}");
        await _c.OpenAsync();
    }

    public async Task DisposeAsync()
    {
        await _c.DisposeAsync();
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    public static TheoryData<string, string, string> Paths => new()
    {
        { "operations of a pair", HealthSql.OperationsOfPair(false), "SEARCH operations USING INDEX ix_operations_wrapper_slot_started (wrapper=? AND slot=? AND started_at>? AND started_at<?)" },
        { "probes of a pair", HealthSql.OperationsOfPair(true), "SEARCH operations USING INDEX ix_operations_source_wrapper_slot_started (source=? AND wrapper=? AND slot=? AND started_at>? AND started_at<?)" },
        { "operations in a time range", HealthSql.OperationsInRange(false), "SEARCH operations USING INDEX ix_operations_started (started_at>? AND started_at<?)" },
        { "probes in a time range", HealthSql.OperationsInRange(true), "SEARCH operations USING INDEX ix_operations_started (started_at>? AND started_at<?)" },
        { "attempts of the operations read", HealthSql.AttemptsOfIds, "SEARCH probe_attempts USING INDEX sqlite_autoindex_probe_attempts_1 (operation_id>? AND operation_id<?)" },
        { "traffic of a pair", HealthSql.TrafficOfPair, "SEARCH traffic_aggregates USING PRIMARY KEY (wrapper=? AND slot=? AND bucket_start>? AND bucket_start<?)" },
        { "traffic in a time range", HealthSql.TrafficInRange, "SEARCH traffic_aggregates USING INDEX ix_traffic_aggregates_bucket (bucket_start>? AND bucket_start<?)" },
        { "minutes of a pair", HealthSql.MinutesOfPair, "SEARCH traffic_minutes USING PRIMARY KEY (wrapper=? AND slot=? AND bucket_start>? AND bucket_start<?)" },
        { "minutes in a time range", HealthSql.MinutesInRange, "SEARCH traffic_minutes USING INDEX ix_traffic_minutes_bucket (bucket_start>? AND bucket_start<?)" },
        { "hours of a pair", HealthSql.HoursOfPair, "SEARCH traffic_hours USING PRIMARY KEY (wrapper=? AND slot=? AND bucket_start>? AND bucket_start<?)" },
        { "hours in a time range", HealthSql.HoursInRange, "SEARCH traffic_hours USING INDEX ix_traffic_hours_bucket (bucket_start>? AND bucket_start<?)" },
        { "probe hours of a pair", HealthSql.ProbeHoursOfPair, "SEARCH probe_hours USING PRIMARY KEY (wrapper=? AND slot=? AND bucket_start>? AND bucket_start<?)" },
        { "probe hours in a time range", HealthSql.ProbeHoursInRange, "SEARCH probe_hours USING INDEX ix_probe_hours_bucket (bucket_start>? AND bucket_start<?)" },
        { "the slots of a wrapper", HealthSql.SeriesOfWrapper, "SEARCH series USING PRIMARY KEY (wrapper=?)" },
        { "a prune batch of seconds", HealthSql.PruneAggregates("traffic_aggregates"), "SEARCH traffic_aggregates USING COVERING INDEX ix_traffic_aggregates_bucket (bucket_start<?)" },
        { "a prune batch of minutes", HealthSql.PruneAggregates("traffic_minutes"), "SEARCH traffic_minutes USING COVERING INDEX ix_traffic_minutes_bucket (bucket_start<?)" },
        { "a prune batch of hours", HealthSql.PruneAggregates("traffic_hours"), "SEARCH traffic_hours USING COVERING INDEX ix_traffic_hours_bucket (bucket_start<?)" },
        { "a prune batch of probe hours", HealthSql.PruneAggregates("probe_hours"), "SEARCH probe_hours USING COVERING INDEX ix_probe_hours_bucket (bucket_start<?)" },
        { "a prune batch of probe records", HealthSql.PruneOperations, "SEARCH operations USING INDEX ix_operations_started (started_at<?)" },
        { "a prune batch of attempts", HealthSql.PruneAttempts, "SEARCH probe_attempts USING COVERING INDEX sqlite_autoindex_probe_attempts_1 (operation_id>? AND operation_id<?)" },
        { "the first record at a prune cutoff", HealthSql.FirstOperationSince, "SEARCH operations USING COVERING INDEX ix_operations_started (started_at>?)" },
    };

    [Theory]
    [MemberData(nameof(Paths))]
    public async Task Each_access_path_uses_its_index_and_scans_no_growing_table(string path, string sql, string expected)
    {
        var plan = await PlanAsync(sql);

        Assert.True(plan.Contains(expected), $"{path}: expected '{expected}', the plan is: {string.Join(" | ", plan)}");
        Assert.DoesNotContain(plan, p => GrowingTables.Any(t => p.StartsWith($"SCAN {t}", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task The_newest_probes_come_from_series_without_touching_the_probes()
    {
        var plan = await PlanAsync(HealthSql.LastProbes);

        Assert.DoesNotContain(plan, p => GrowingTables.Any(t => p.Contains(t, StringComparison.Ordinal)));
        Assert.Contains(plan, p => p.Contains("series", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_check_can_fail_the_filter_the_store_used_before_does_not_take_the_key()
    {
        // The earlier statement, "wrapper IS NULL OR wrapper = ..." in one shape for every path: the planner cannot use
        // the key for it and walks the time index for every pair, as the check above would say.
        const string before = """
            SELECT wrapper FROM traffic_aggregates WHERE bucket_start >= $since AND bucket_start < $until
              AND ($wrapper IS NULL OR wrapper = $wrapper) AND ($slot IS NULL OR slot = $slot);
            """;

        var plan = await PlanAsync(before);

        Assert.DoesNotContain(plan, p => p.Contains("(wrapper=? AND slot=?", StringComparison.Ordinal));
    }

    private async Task<List<string>> PlanAsync(string sql)
    {
        await using var cmd = _c.CreateCommand();
        cmd.CommandText = "EXPLAIN QUERY PLAN " + sql;
        foreach (var name in new[] { "$since", "$until", "$wrapper", "$slot", "$source", "$min", "$max", "$before", "$batch" })
        {
            if (sql.Contains(name, StringComparison.Ordinal))
            {
                cmd.Parameters.AddWithValue(name, name is "$since" or "$until" or "$min" or "$max" or "$before" or "$batch" ? 1L : "x");
            }
        }

        var plan = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            plan.Add(r.GetString(3));
        }

        return plan;
    }
}
