using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Tests.Health;

public sealed class WindowStatsTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);

    private static OperationRecord Op(int i, OperationStatus status, double ms, OperationSource source = OperationSource.Traffic, bool fallback = false) => new()
    {
        Id = i,
        Wrapper = "poml",
        Slot = "green",
        Source = source,
        OperationType = "request",
        StartedAt = T0.AddSeconds(i),
        EndedAt = status == OperationStatus.Started ? null : T0.AddSeconds(i).AddMilliseconds(ms),
        DurationMs = status == OperationStatus.Started ? null : ms,
        Status = status,
        FallbackUsed = fallback,
    };

    [Fact]
    public void Percentiles_use_the_nearest_rank()
    {
        var values = Enumerable.Range(1, 100).Select(i => (double)i).ToArray();

        Assert.Equal(50, Percentile.NearestRank(values, 50));
        Assert.Equal(95, Percentile.NearestRank(values, 95));
        Assert.Equal(99, Percentile.NearestRank(values, 99));
        Assert.Equal(100, Percentile.NearestRank(values, 100));
        Assert.Equal(7, Percentile.NearestRank([7], 99));
        Assert.Null(Percentile.NearestRank([], 50));
        Assert.Equal(30, Percentile.NearestRank([10, 20, 30], 95));
    }

    [Fact]
    public void Rates_count_answered_requests_and_ignore_in_flight_and_cancelled_ones()
    {
        var stats = WindowStats.From(
        [
            Op(1, OperationStatus.Success, 10),
            Op(2, OperationStatus.Success, 20, fallback: true),
            Op(3, OperationStatus.Fallback, 30),
            Op(4, OperationStatus.Error, 40),
            Op(5, OperationStatus.Timeout, 1000, OperationSource.Probe),
            Op(6, OperationStatus.Started, 0),
            Op(7, OperationStatus.Cancelled, 5),
        ]);

        Assert.Equal(5, stats.Total);
        Assert.Equal(1, stats.Successes);
        Assert.Equal(2, stats.Fallbacks);
        Assert.Equal(2, stats.Errors);
        Assert.Equal(60, stats.SuccessRate);
        Assert.Equal(40, stats.ErrorRate);
        Assert.Equal(40, stats.FallbackRate);
        Assert.Equal(220, stats.AverageMs);
        Assert.Equal(30, stats.P50Ms);
        Assert.Equal(1000, stats.P99Ms);
        Assert.Equal(1, stats.TrailingProbeFailures);
        Assert.Equal(T0.AddSeconds(5).AddMilliseconds(1000), stats.LastActivity);
    }

    [Fact]
    public void An_empty_window_has_no_rates()
    {
        var stats = WindowStats.From([]);

        Assert.Equal(0, stats.Total);
        Assert.Null(stats.SuccessRate);
        Assert.Null(stats.P95Ms);
        Assert.Null(stats.LastActivity);
    }

    [Fact]
    public void Traffic_aggregates_count_like_the_same_requests_as_records()
    {
        // The same seven requests, once as records and once as a traffic aggregate.
        (OperationStatus Status, double Ms, bool Fallback)[] requests =
        [
            (OperationStatus.Success, 10, false), (OperationStatus.Success, 20, true), (OperationStatus.Fallback, 30, false),
            (OperationStatus.Error, 40, false), (OperationStatus.Timeout, 1000, false), (OperationStatus.Cancelled, 5, false),
            (OperationStatus.Success, 12, false),
        ];
        var aggregate = new TrafficAggregate("poml", "green", T0);
        foreach (var (status, ms, fallback) in requests)
        {
            aggregate.Record(status, fallback, 200, ms, T0.AddMilliseconds(ms));
        }

        var fromRecords = WindowStats.From(requests.Select((r, i) => Op(i, r.Status, r.Ms, fallback: r.Fallback)));
        var fromTraffic = WindowStats.From([], [aggregate]);

        Assert.Equal(
            (fromRecords.Total, fromRecords.Successes, fromRecords.Fallbacks, fromRecords.Errors, fromRecords.SuccessRate, fromRecords.ErrorRate, fromRecords.FallbackRate, fromRecords.AverageMs),
            (fromTraffic.Total, fromTraffic.Successes, fromTraffic.Fallbacks, fromTraffic.Errors, fromTraffic.SuccessRate, fromTraffic.ErrorRate, fromTraffic.FallbackRate, fromTraffic.AverageMs));
        Assert.Equal((6, 2, 2, 2), (fromTraffic.Total, fromTraffic.Successes, fromTraffic.Fallbacks, fromTraffic.Errors));
        Assert.Equal(1L, aggregate.Cancelled);
        foreach (var (exact, estimate) in new[] { (fromRecords.P50Ms, fromTraffic.P50Ms), (fromRecords.P95Ms, fromTraffic.P95Ms), (fromRecords.P99Ms, fromTraffic.P99Ms) })
        {
            Assert.InRange(estimate!.Value, exact!.Value * (1 - LatencyHistogram.MaxRelativeError), exact.Value * (1 + LatencyHistogram.MaxRelativeError));
        }

        Assert.Equal(T0.AddMilliseconds(1000), fromTraffic.LastActivity);
        Assert.Equal(0, fromTraffic.TrailingProbeFailures);
        Assert.Null(fromTraffic.LastProbe);
    }

    [Fact]
    public void A_window_merges_exact_probes_with_traffic_aggregates()
    {
        // 2 probes (one failed, the newest) and 3 seconds of traffic: 1,000 fast answers and 10 errors a second.
        var probes = new[] { Op(1, OperationStatus.Success, 50, OperationSource.Probe), Op(90, OperationStatus.Error, 2_000, OperationSource.Probe) };
        var traffic = Enumerable.Range(0, 3).Select(s =>
        {
            var a = new TrafficAggregate("poml", "green", T0.AddSeconds(s));
            for (var i = 0; i < 1_000; i++)
            {
                a.Record(OperationStatus.Success, false, 200, 0.2 + (i * 0.001), T0.AddSeconds(s).AddMilliseconds(i / 2.0));
            }

            for (var i = 0; i < 10; i++)
            {
                a.Record(OperationStatus.Error, false, 503, 300, T0.AddSeconds(s).AddMilliseconds(900));
            }

            return a;
        }).ToList();

        var stats = WindowStats.From(probes, traffic);

        Assert.Equal((3_032, 3_001, 0, 31), (stats.Total, stats.Successes, stats.Fallbacks, stats.Errors));
        Assert.Equal(Math.Round(100.0 * 3_001 / 3_032, 2), stats.SuccessRate);
        Assert.Equal(Math.Round(100.0 * 31 / 3_032, 2), stats.ErrorRate);
        var exact = probes.Select(p => p.DurationMs!.Value)
            .Concat(Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, 1_000).Select(i => 0.2 + (i * 0.001)).Concat(Enumerable.Repeat(300.0, 10))))
            .Order().ToArray();
        Assert.Equal(Math.Round(exact.Average(), 2), stats.AverageMs!.Value, 6);
        foreach (var (p, value) in new[] { (50.0, stats.P50Ms), (95.0, stats.P95Ms), (99.0, stats.P99Ms) })
        {
            var truth = Percentile.NearestRank(exact, p)!.Value;
            Assert.True(Math.Abs(value!.Value - truth) <= truth * LatencyHistogram.MaxRelativeError, $"P{p}: {value} ms, exact {truth} ms");
        }

        // Probe-only facts come from the probes alone; the newest activity is the newest probe's end.
        Assert.Equal((1, 2_000d), (stats.TrailingProbeFailures, stats.LastProbe!.DurationMs!.Value));
        Assert.Equal(T0.AddSeconds(90).AddMilliseconds(2_000), stats.LastActivity);
    }

    [Fact]
    public void Without_traffic_percentiles_stay_exact()
    {
        var stats = WindowStats.From([Op(1, OperationStatus.Success, 10.123), Op(2, OperationStatus.Success, 20.456)], []);

        Assert.Equal((10.123, 20.456), (stats.P50Ms, stats.P99Ms));
    }
}
