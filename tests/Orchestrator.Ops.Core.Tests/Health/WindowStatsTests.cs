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
}
