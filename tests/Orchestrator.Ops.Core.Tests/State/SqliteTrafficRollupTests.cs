using System.Globalization;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Tests.State;

/// <summary>
/// The per-minute and per-hour rollups of the traffic aggregates: every read the store answers from them equals the
/// answer of the per-second rows, the migration's backfill builds the rollups the writes build, and pruning keeps the
/// hours. Latencies are multiples of 1/16 ms, so their sums are exact in any order and every field can be compared
/// bit for bit (with arbitrary latencies the latency sum may differ in its last bits: floating-point addition depends
/// on the order, and a rollup adds in another order than a read of the seconds does).
/// </summary>
public sealed class SqliteTrafficRollupTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 11, 24, 9, 37, 12, TimeSpan.Zero);
    private static readonly DateTimeOffset End = new(2026, 11, 27, 14, 21, 45, TimeSpan.Zero);
    private static readonly DateTimeOffset FirstHour = new(2026, 11, 24, 9, 0, 0, TimeSpan.Zero);
    private static readonly string[] Wrappers = ["routellm", "poml", "external-tools"];
    private static readonly string[] Slots = ["blue", "green"];
    private readonly TempFolder _dir = new();

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        _dir.Dispose();
    }

    public static TheoryData<string> Shapes
    {
        get
        {
            var shapes = new TheoryData<string>();
            foreach (var (name, _) in QueryShapes())
            {
                shapes.Add(name);
            }

            return shapes;
        }
    }

    [Theory]
    [MemberData(nameof(Shapes))]
    public async Task A_read_from_the_rollups_equals_the_read_of_the_per_second_rows(string shape)
    {
        await using var store = await OpenFilledAsync("ops.db");
        var query = QueryShapes().Single(q => q.Name == shape).Query;

        var actual = await store.Health.GetTrafficAsync(query, default);
        var expected = await FromSecondsAsync(store, query);

        Assert.NotEmpty(expected);
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
    }

    [Fact]
    public void The_read_plan_takes_whole_hours_from_hours_and_the_edges_from_minutes_and_seconds()
    {
        var since = Ms(Start);
        var until = Ms(End) + 500;
        var hour = 3_600_000L;
        var minute = 60_000L;

        var plan = SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour), hour);

        Assert.Equal(
            new (int, long, long)[]
            {
                (0, since, Ms(Start) + 48_000),
                (1, Ms(Start) + 48_000, Ms(FirstHour) + hour),
                (2, Ms(FirstHour) + hour, Ms(End) - (21 * minute) - 45_000),
                (1, Ms(End) - (21 * minute) - 45_000, Ms(End) - 45_000),
                (0, Ms(End) - 45_000, until),
            },
            plan);
        Assert.Equal(new[] { (0, since, until) }, SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour), 0));
        Assert.Equal(new[] { (0, since, until) }, SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour) + 1000, hour));
        Assert.Equal(new[] { (0, since, until) }, SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour), 90_000));
        Assert.DoesNotContain(SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour) + (30 * minute), hour), p => p.Resolution == 2);
        Assert.Contains(SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour) + (30 * minute), hour), p => p.Resolution == 1);
    }

    [Fact]
    public async Task Hourly_reads_come_from_the_hour_rows()
    {
        await using var store = await OpenFilledAsync("ops.db");
        var query = new TrafficQuery(FirstHour, End) { Wrapper = "routellm", Slot = "blue", Step = TimeSpan.FromHours(1) };
        var before = (await store.Health.GetTrafficAsync(query, default)).First(a => a.BucketStart >= FirstHour.AddHours(2));
        var hour = before.BucketStart;
        await ExecAsync(_dir.File("ops.db"), $"UPDATE traffic_hours SET successes = successes + 1000 WHERE wrapper = 'routellm' AND slot = 'blue' AND bucket_start = {Ms(hour)};");

        var after = (await store.Health.GetTrafficAsync(query, default)).Single(a => a.BucketStart == hour);
        var perSecond = await store.Health.GetTrafficAsync(query with { Step = null, Since = hour, Until = hour.AddHours(1) }, default);

        Assert.Equal(before.Successes + 1000, after.Successes);
        Assert.Equal(before.Successes, Assert.Single(perSecond).Successes);
    }

    [Fact]
    public async Task The_migration_backfill_builds_the_rollups_the_writes_build()
    {
        await using (await OpenFilledAsync("written.db"))
        {
        }

        var migrated = _dir.File("migrated.db");
        await using (await SqliteStateStore.OpenAsync(migrated, TimeSpan.FromSeconds(2), new FakeTimeProvider(End), [.. SqliteMigrations.All.Where(m => m.Version <= 7)], default))
        {
        }

        await ExecAsync(migrated, $"""
            ATTACH DATABASE '{_dir.File("written.db")}' AS w;
            INSERT INTO traffic_aggregates SELECT * FROM w.traffic_aggregates;
            INSERT INTO series SELECT * FROM w.series;
            """);
        SqliteConnection.ClearAllPools();

        await using var store = await SqliteStateStore.OpenAsync(migrated, TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);

        Assert.Equal(SqliteMigrations.All.Max(m => m.Version), await store.GetSchemaVersionAsync(default));
        foreach (var table in new[] { "traffic_minutes", "traffic_hours" })
        {
            var expected = await DumpAsync(_dir.File("written.db"), table);
            Assert.True(expected.Count > 100, $"{table}: {expected.Count} rows");
            Assert.Equal(expected, await DumpAsync(migrated, table));
        }
    }

    [Fact]
    public async Task Pruning_keeps_the_hours_369_days_longer_than_the_seconds_and_minutes()
    {
        await using var store = await SqliteStateStore.OpenAsync(_dir.File("ops.db"), TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        var cutoff = now.AddDays(-31);
        DateTimeOffset[] seconds = [now.AddDays(-1), now.AddDays(-40), cutoff.AddDays(-368), cutoff.AddDays(-370)];
        await store.Health.AddTrafficAsync([.. seconds.Select(s => Traffic("routellm", "blue", s.AddSeconds(5), 3))], default);

        var (_, buckets) = await store.Health.PruneAsync(cutoff, default);

        Assert.Equal(3, buckets);
        var range = new TrafficQuery(now.AddDays(-500), now) { Wrapper = "routellm", Slot = "blue" };
        var hours = await store.Health.GetTrafficAsync(range with { Step = TimeSpan.FromHours(1) }, default);
        Assert.Equal(seconds.Take(3).Reverse(), hours.Select(a => a.BucketStart));
        Assert.All(hours, a => Assert.Equal(3, a.Successes));
        Assert.Equal(new[] { now.AddDays(-1) }, (await store.Health.GetTrafficAsync(range with { Step = TimeSpan.FromMinutes(1) }, default)).Select(a => a.BucketStart));
        Assert.Equal(3, Assert.Single(await store.Health.GetTrafficAsync(range, default)).Successes);
    }

    [Fact]
    public async Task A_second_of_cancelled_requests_only_can_be_written_twice()
    {
        // Two empty histograms add up to an empty one, which SQLite got back from the function as NULL.
        await using var store = await SqliteStateStore.OpenAsync(_dir.File("ops.db"), TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        TrafficAggregate Cancelled()
        {
            var a = new TrafficAggregate("routellm", "blue", Start);
            a.Record(OperationStatus.Cancelled, false, 499, 3, Start.AddMilliseconds(10));
            return a;
        }

        await store.Health.AddTrafficAsync([Cancelled()], default);
        await store.Health.AddTrafficAsync([Cancelled()], default);

        var query = new TrafficQuery(FirstHour, End) { Wrapper = "routellm", Slot = "blue", Step = TimeSpan.FromHours(1) };
        var hour = Assert.Single(await store.Health.GetTrafficAsync(query, default));
        Assert.Equal((2, 0), (hour.Cancelled, hour.Latency.Count));
        Assert.Equal(2, Assert.Single(await store.Health.GetTrafficAsync(query with { Step = null }, default)).Cancelled);
    }

    private static IEnumerable<(string Name, TrafficQuery Query)> QueryShapes()
    {
        var hour = TimeSpan.FromHours(1);
        var until = End.AddMilliseconds(1);
        var all = new TrafficQuery(FirstHour, until) { Step = hour };
        var pair = all with { Wrapper = "routellm", Slot = "blue" };
        yield return ("the month view: a pair, hourly from an aligned hour to now", pair);
        yield return ("a wrapper, hourly", all with { Wrapper = "poml" });
        yield return ("a slot, hourly", all with { Slot = "green" });
        yield return ("everything, hourly", all);
        yield return ("hourly from mid-hour, origin on the hour", pair with { Since = Start.AddMinutes(17).AddSeconds(3), Origin = FirstHour });
        yield return ("two-hour steps", all with { Since = FirstHour.AddHours(3), Step = TimeSpan.FromHours(2) });
        yield return ("daily steps from midnight", pair with { Since = FirstHour.Date.AddDays(-1), Step = TimeSpan.FromDays(1) });
        yield return ("whole hours up to an aligned end", all with { Until = FirstHour.AddHours(50) });
        yield return ("inside one hour, hourly", all with { Since = FirstHour.AddHours(27).AddMinutes(3), Until = FirstHour.AddHours(27).AddMinutes(58), Origin = FirstHour });
        yield return ("15-minute steps", all with { Since = FirstHour.AddMinutes(45), Step = TimeSpan.FromMinutes(15) });
        yield return ("minutes from an unaligned start, origin on a minute", pair with { Since = Start.AddSeconds(7), Origin = Start.AddSeconds(-12), Step = TimeSpan.FromMinutes(1) });
        yield return ("hourly steps from a half hour (minutes)", all with { Since = FirstHour.AddMinutes(30), Step = hour });
        yield return ("90-second steps (seconds)", pair with { Step = TimeSpan.FromSeconds(90) });
        yield return ("hourly steps from an unaligned origin (seconds)", pair with { Since = FirstHour.AddSeconds(1) });
        yield return ("one aggregate for the range (seconds)", all with { Step = null, Since = Start.AddHours(5) });
    }

    private async Task<SqliteStateStore> OpenFilledAsync(string file)
    {
        var store = await SqliteStateStore.OpenAsync(_dir.File(file), TimeSpan.FromSeconds(5), new FakeTimeProvider(End), default);
        foreach (var batch in Traffic().Chunk(60))
        {
            await store.Health.AddTrafficAsync(batch, default);
        }

        return store;
    }

    /// <summary>
    /// Bursts of traffic in every pair from <see cref="Start"/> to <see cref="End"/> (partial hours at both ends),
    /// a quarter of the hours empty, bursts crossing minutes and hours, a tenth of the seconds written twice (two
    /// gateways) and some seconds with cancelled requests only (empty histograms). The same every call.
    /// </summary>
    private static IEnumerable<TrafficAggregate> Traffic()
    {
        var rng = new Random(19);
        var again = new List<TrafficAggregate>();
        foreach (var wrapper in Wrappers)
        {
            foreach (var slot in Slots)
            {
                for (var h = FirstHour; h < End; h = h.AddHours(1))
                {
                    if (rng.Next(4) == 0)
                    {
                        continue;
                    }

                    for (var burst = rng.Next(1, 4); burst > 0; burst--)
                    {
                        var at = h.AddSeconds(rng.Next(3600));
                        for (var n = rng.Next(1, 40); n > 0; n--, at = at.AddSeconds(1))
                        {
                            if (at < Start || at >= End)
                            {
                                continue;
                            }

                            yield return Random(rng, wrapper, slot, at);
                            if (rng.Next(10) == 0)
                            {
                                again.Add(Random(rng, wrapper, slot, at));
                            }
                        }
                    }
                }
            }
        }

        foreach (var a in again)
        {
            yield return a;
        }
    }

    private static TrafficAggregate Random(Random rng, string wrapper, string slot, DateTimeOffset second)
    {
        var a = new TrafficAggregate(wrapper, slot, second);
        var cancelledOnly = rng.Next(20) == 0;
        for (var n = rng.Next(1, 12); n > 0; n--)
        {
            var status = cancelledOnly ? OperationStatus.Cancelled : (OperationStatus)rng.Next(1, 6);
            var code = status switch { OperationStatus.Error => 503, OperationStatus.Cancelled => 499, _ => rng.Next(5) == 0 ? 304 : 200 };
            a.Record(status, rng.Next(8) == 0, code, rng.Next(1, 64_000) / 16.0, second.AddMilliseconds(rng.Next(1000)));
        }

        return a;
    }

    private static TrafficAggregate Traffic(string wrapper, string slot, DateTimeOffset second, int successes)
    {
        var a = new TrafficAggregate(wrapper, slot, second);
        for (var i = 0; i < successes; i++)
        {
            a.Record(OperationStatus.Success, false, 200, 4, second.AddMilliseconds(100));
        }

        return a;
    }

    /// <summary>The query's answer computed here from the per-second rows: read one by one (1 ms steps), grouped by the query's steps.</summary>
    private static async Task<List<TrafficAggregate>> FromSecondsAsync(SqliteStateStore store, TrafficQuery query)
    {
        var rows = await store.Health.GetTrafficAsync(query with { Step = TimeSpan.FromMilliseconds(1), Origin = DateTimeOffset.UnixEpoch }, default);
        var origin = Ms(query.Origin ?? query.Since);
        var step = query.Step is { } s ? (long)s.TotalMilliseconds : 0;
        var groups = new Dictionary<(string, string, long), TrafficAggregate>();
        foreach (var row in rows)
        {
            var start = Ms(row.BucketStart);
            var group = step == 0 ? origin : origin + (Math.DivRem(start - origin, step) is var (q, r) && r < 0 ? q - 1 : q) * step;
            if (!groups.TryGetValue((row.Wrapper, row.Slot, group), out var a))
            {
                groups[(row.Wrapper, row.Slot, group)] = a = new TrafficAggregate(row.Wrapper, row.Slot, DateTimeOffset.FromUnixTimeMilliseconds(group));
            }

            a.Add(row);
        }

        return [.. groups.Values.OrderBy(a => a.BucketStart).ThenBy(a => a.Wrapper, StringComparer.Ordinal).ThenBy(a => a.Slot, StringComparer.Ordinal)];
    }

    private static string Describe(TrafficAggregate a) => string.Join('|',
        a.Wrapper, a.Slot, Ms(a.BucketStart), a.Successes, a.Fallbacks, a.Errors, a.Timeouts, a.Cancelled,
        a.Status1xx, a.Status2xx, a.Status3xx, a.Status4xx, a.Status5xx, BitConverter.DoubleToInt64Bits(a.LatencySumMs),
        a.Latency.Count, Convert.ToHexString(a.Latency.ToBytes()), Ms(a.LastActivity));

    private static async Task<List<string>> DumpAsync(string path, string table)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = $"SELECT * FROM {table} ORDER BY wrapper, slot, bucket_start;";
        var rows = new List<string>();
        await using var r = await cmd.ExecuteReaderAsync();
        while (await r.ReadAsync())
        {
            rows.Add(string.Join('|', Enumerable.Range(0, r.FieldCount).Select(i => r.GetValue(i) switch
            {
                byte[] b => Convert.ToHexString(b),
                double d => BitConverter.DoubleToInt64Bits(d).ToString(CultureInfo.InvariantCulture),
                var v => Convert.ToString(v, CultureInfo.InvariantCulture),
            })));
        }

        return rows;
    }

    private static async Task ExecAsync(string path, string sql)
    {
        await using var c = new SqliteConnection($"Data Source={path};Pooling=False");
        await c.OpenAsync();
        await using var cmd = c.CreateCommand();
        cmd.CommandText = sql;
        await cmd.ExecuteNonQueryAsync();
    }

    private static long Ms(DateTimeOffset t) => t.ToUnixTimeMilliseconds();
}
