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
        // One aggregate for the whole range: any whole bucket falls in it, whatever the origin.
        Assert.Equal(plan, SqliteHealthStore.PlanTrafficRead(since, until, Ms(FirstHour) + 7, 0));
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
        var perSecond = await store.Health.GetTrafficAsync(query with { Step = TimeSpan.FromSeconds(1), Since = hour, Until = hour.AddHours(1) }, default);

        Assert.Equal(before.Successes + 1000, after.Successes);
        Assert.Equal(before.Successes, perSecond.Sum(a => a.Successes));
    }

    [Fact]
    public async Task The_rollup_build_of_a_store_from_before_rollups_builds_what_the_writes_build_and_reads_stay_exact_meanwhile()
    {
        await using (var written = await OpenFilledAsync("written.db"))
        {
            await written.Health.AddAsync([.. Probes()], default);
        }

        var migrated = await MigrateCopyAsync("migrated.db");
        await using var store = await SqliteStateStore.OpenAsync(migrated, TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        Assert.Equal(SqliteMigrations.All.Max(m => m.Version), await store.GetSchemaVersionAsync(default));
        Assert.Empty(await DumpAsync(migrated, "traffic_hours"));

        // Nothing built yet: every read still equals the per-second rows (the rollups are not whole anywhere).
        foreach (var (name, query) in QueryShapes())
        {
            Assert.True((await FromSecondsAsync(store, query)).Select(Describe).SequenceEqual((await store.Health.GetTrafficAsync(query, default)).Select(Describe)), name);
        }

        // Stopped after five hours, as a service stopped mid-build is: the reads stay exact, the marks say how far it got.
        using var stop = new CancellationTokenSource();
        var seen = new List<RollupBuildProgress>();
        var progress = new SyncProgress<RollupBuildProgress>(p =>
        {
            seen.Add(p);
            if (seen.Count == 5)
            {
                stop.Cancel();
            }
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => store.Health.BuildRollupsAsync(progress, stop.Token));
        Assert.Equal(new long[] { 1, 2, 3, 4, 5 }, seen.Select(p => p.HoursDone));
        Assert.All(seen, p => Assert.Equal("traffic", p.Family));
        var total = seen[0].HoursTotal;
        Assert.InRange(total, 70, 80);
        Assert.Equal(seen[0].BuiltFrom!.Value.AddHours(-4), seen[^1].BuiltFrom);
        foreach (var (name, query) in QueryShapes())
        {
            Assert.True((await FromSecondsAsync(store, query)).Select(Describe).SequenceEqual((await store.Health.GetTrafficAsync(query, default)).Select(Describe)), name);
        }

        // A write that lands during the build, in an hour the build has not reached yet, is counted once.
        seen.Clear();
        var late = Traffic("routellm", "blue", FirstHour.AddHours(2).AddSeconds(30), 5);
        var resumed = new SyncProgress<RollupBuildProgress>(p =>
        {
            seen.Add(p);
            if (seen.Count == 1)
            {
                store.Health.AddTrafficAsync([late], default).GetAwaiter().GetResult();
            }
        });
        var done = await store.Health.BuildRollupsAsync(resumed, default);

        Assert.All(done, d => Assert.True(d.Complete, d.Family));
        Assert.Equal(total - 5, seen.Where(p => p.Family == "traffic" && !p.Complete).Count());
        await using (var reference = await SqliteStateStore.OpenAsync(_dir.File("written.db"), TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default))
        {
            await reference.Health.AddTrafficAsync([late], default);
        }

        foreach (var table in new[] { "traffic_minutes", "traffic_hours", "probe_hours" })
        {
            var expected = await DumpAsync(_dir.File("written.db"), table);
            Assert.True(expected.Count > 50, $"{table}: {expected.Count} rows");
            Assert.Equal(expected, await DumpAsync(migrated, table));
        }

        await using (var c = new SqliteConnection($"Data Source={migrated};Pooling=False"))
        {
            await c.OpenAsync();
            await using var marks = c.CreateCommand();
            marks.CommandText = "SELECT COUNT(*) FROM history_marks;";
            Assert.Equal(0L, await marks.ExecuteScalarAsync());
        }

        Assert.All(await store.Health.BuildRollupsAsync(null, default), d => Assert.Equal((0L, true), (d.HoursTotal, d.Complete)));
    }

    [Fact]
    public async Task The_rows_a_pending_build_reads_are_kept_until_it_has_rolled_them_up()
    {
        await using (await OpenFilledAsync("written.db"))
        {
        }

        var migrated = await MigrateCopyAsync("migrated.db");
        await using var store = await SqliteStateStore.OpenAsync(migrated, TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        var all = HistoryCutoffs.All(End);

        // Everything is past this cutoff, but the minutes and hours have not been built from the seconds yet.
        var early = await store.Health.PruneAsync(all, default);
        await store.Health.BuildRollupsAsync(null, default);
        var hours = await DumpAsync(migrated, "traffic_hours");
        var late = await store.Health.PruneAsync(HistoryCutoffs.All(End.AddDays(-1)), default);

        Assert.Equal(0, early.Seconds);
        Assert.True(hours.Count > 50, $"{hours.Count} hours built from the seconds the prune kept");
        Assert.True(late.Seconds > 1000, $"{late.Seconds} seconds pruned once the build was done");
    }

    [Fact]
    public async Task Each_resolution_is_pruned_at_its_own_cutoff_in_batches_and_reads_fall_back_to_the_coarser_rows()
    {
        await using var store = await SqliteStateStore.OpenAsync(_dir.File("ops.db"), TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        ((SqliteHealthStore)store.Health).PruneBatch = 2;
        var now = new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
        DateTimeOffset[] hours = [now.AddDays(-1), now.AddDays(-10), now.AddDays(-40), now.AddDays(-401)];
        // Three seconds in each hour, so every table has more rows than a batch.
        await store.Health.AddTrafficAsync([.. hours.SelectMany(h => new[] { 5, 70, 200 }.Select(s => Traffic("routellm", "blue", h.AddSeconds(s), 3)))], default);
        var retention = new global::Orchestrator.Ops.Core.Configuration.HistoryRetention { Seconds = TimeSpan.FromDays(2), Minutes = TimeSpan.FromDays(31), Hours = TimeSpan.FromDays(400) };

        var pruned = await store.Health.PruneAsync(HistoryCutoffs.At(now.AddMinutes(30), retention), default);

        Assert.Equal((9L, 6L, 1L), (pruned.Seconds, pruned.Minutes, pruned.Hours));
        Assert.True(pruned.Batches >= 9, $"{pruned.Batches} batches");
        var range = new TrafficQuery(now.AddDays(-500), now) { Wrapper = "routellm", Slot = "blue" };
        // Each age answered by the finest rows still there: seconds for the day, minutes for the week, hours beyond.
        var whole = Assert.Single(await store.Health.GetTrafficAsync(range, default));
        Assert.Equal(27, whole.Successes);
        var byMinute = await store.Health.GetTrafficAsync(range with { Step = TimeSpan.FromMinutes(1), Origin = now }, default);
        Assert.Equal(
            new[] { -40, -10, -10, -10, -1, -1, -1 }.Zip(new[] { 0, 0, 1, 3, 0, 1, 3 }, (d, m) => now.AddDays(d).AddMinutes(m)).Zip(new long[] { 9, 3, 3, 3, 3, 3, 3 }),
            byMinute.Select(a => (a.BucketStart, a.Successes)));
        var bySecond = await store.Health.GetTrafficAsync(range with { Since = now.AddDays(-2), Step = TimeSpan.FromSeconds(1) }, default);
        Assert.Equal(new[] { 5, 70, 200 }.Select(s => now.AddDays(-1).AddSeconds(s)), bySecond.Select(a => a.BucketStart));
    }

    [Fact]
    public async Task Probes_read_per_hour_equal_the_records_counted_one_by_one_and_outlive_the_records()
    {
        await using var store = await SqliteStateStore.OpenAsync(_dir.File("ops.db"), TimeSpan.FromSeconds(2), new FakeTimeProvider(End), default);
        var records = Probes().ToList();
        await store.Health.AddAsync(records, default);
        var query = new TrafficQuery(FirstHour, End.AddMilliseconds(1)) { Wrapper = "poml", Step = TimeSpan.FromHours(1) };
        var plan = SqliteHealthStore.PlanRead(Ms(query.Since), Ms(query.Until), Ms(FirstHour), 3_600_000, SqliteHealthStore.Probes.WidthsMs, [long.MinValue, long.MinValue]);
        Assert.Contains(plan, p => p.Resolution == 1);

        var expected = records.Where(r => r.Wrapper == "poml")
            .GroupBy(r => (r.Wrapper, r.Slot, Hour: FirstHour.AddHours(Math.Floor((r.StartedAt - FirstHour).TotalHours))))
            .Select(g =>
            {
                var a = new TrafficAggregate(g.Key.Wrapper, g.Key.Slot, g.Key.Hour);
                foreach (var r in g)
                {
                    a.Record(r);
                }

                return a;
            })
            .Where(a => a.Requests > 0)
            .OrderBy(a => a.BucketStart).ThenBy(a => a.Wrapper, StringComparer.Ordinal).ThenBy(a => a.Slot, StringComparer.Ordinal)
            .ToList();
        var actual = await store.Health.GetProbeTrafficAsync(query, default);
        Assert.Equal(expected.Select(Describe), actual.Select(Describe));
        var halfHours = await store.Health.GetProbeTrafficAsync(query with { Step = TimeSpan.FromMinutes(30) }, default);
        Assert.Equal(expected.Sum(a => a.Completed), halfHours.Sum(a => a.Completed));

        // The records go after probesDays; their hours stay, and a read falls back to them.
        await store.Health.PruneAsync(HistoryCutoffs.At(End, new global::Orchestrator.Ops.Core.Configuration.HistoryRetention { Probes = TimeSpan.FromDays(1), ProbeAttempts = TimeSpan.FromDays(1) }), default);
        Assert.True((await store.Health.GetAsync(new OperationQuery(FirstHour, End) { Wrapper = "poml" }, default)).Count < records.Count(r => r.Wrapper == "poml"));
        Assert.Equal(expected.Select(Describe), (await store.Health.GetProbeTrafficAsync(query, default)).Select(Describe));
    }

    /// <summary>A probe of every pair every 5 minutes over the filled range: mostly healthy, some failing, some with fallbacks, some without a duration.</summary>
    private static IEnumerable<OperationRecord> Probes()
    {
        var rng = new Random(23);
        foreach (var wrapper in Wrappers)
        {
            foreach (var slot in Slots)
            {
                for (var at = Start; at < End; at = at.AddMinutes(5))
                {
                    var status = rng.Next(10) switch { 0 => OperationStatus.Error, 1 => OperationStatus.Timeout, 2 => OperationStatus.Fallback, _ => OperationStatus.Success };
                    var ms = rng.Next(1, 32_000) / 16.0;
                    yield return new OperationRecord
                    {
                        Wrapper = wrapper, Slot = slot, Source = OperationSource.Probe, OperationType = "health_check",
                        StartedAt = at, EndedAt = at.AddMilliseconds(ms), DurationMs = rng.Next(30) == 0 ? null : ms, Status = status,
                        StatusCode = status == OperationStatus.Error ? 503 : status == OperationStatus.Timeout ? null : 200,
                        FallbackUsed = rng.Next(12) == 0, Attempts = 1,
                    };
                }
            }
        }
    }

    /// <summary>A store at schema 7 (before rollups) holding written.db's seconds, probes and series, then closed.</summary>
    private async Task<string> MigrateCopyAsync(string file)
    {
        var migrated = _dir.File(file);
        await using (await SqliteStateStore.OpenAsync(migrated, TimeSpan.FromSeconds(2), new FakeTimeProvider(End), [.. SqliteMigrations.All.Where(m => m.Version <= 7)], default))
        {
        }

        await ExecAsync(migrated, $"""
            ATTACH DATABASE '{_dir.File("written.db")}' AS w;
            INSERT INTO traffic_aggregates SELECT * FROM w.traffic_aggregates;
            INSERT INTO operations SELECT * FROM w.operations;
            INSERT INTO series SELECT * FROM w.series;
            """);
        SqliteConnection.ClearAllPools();
        return migrated;
    }

    private sealed class SyncProgress<T>(Action<T> report) : IProgress<T>
    {
        public void Report(T value) => report(value);
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
        yield return ("one aggregate for the range (hours, minutes and the seconds at its edges)", all with { Step = null, Since = Start.AddHours(5) });
        yield return ("the health window: one aggregate for the last hour", all with { Step = null, Since = End.AddHours(-1), Until = End.AddMilliseconds(1) });
        yield return ("one aggregate for 40 minutes, unaligned at both ends", all with { Step = null, Since = FirstHour.AddHours(30).AddMinutes(7).AddSeconds(5), Until = FirstHour.AddHours(30).AddMinutes(47).AddSeconds(50) });
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
