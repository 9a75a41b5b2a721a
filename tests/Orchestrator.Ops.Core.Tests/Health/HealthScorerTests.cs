using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Tests.Health;

public sealed class HealthScorerTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 27, 12, 0, 0, TimeSpan.Zero);
    private static readonly ThresholdSettings Runbook = new();

    /// <summary>n operations, oldest first; <paramref name="status"/> picks each one's outcome.</summary>
    private static List<OperationRecord> Ops(int n, Func<int, OperationStatus> status, Func<int, double>? ms = null, OperationSource source = OperationSource.Probe) =>
        Enumerable.Range(0, n).Select(i => new OperationRecord
        {
            Id = i + 1,
            Wrapper = "routellm",
            Slot = "blue",
            Source = source,
            OperationType = "health",
            StartedAt = T0.AddSeconds(30 * i),
            DurationMs = ms?.Invoke(i) ?? 20,
            Status = status(i),
            ErrorMessage = status(i) is OperationStatus.Error or OperationStatus.Timeout ? "HTTP 500" : null,
        }).ToList();

    private static HealthAssessment Assess(IEnumerable<OperationRecord> ops, int min = 3) =>
        HealthScorer.Assess(WindowStats.From(ops), Runbook, min);

    [Fact]
    public void Too_few_samples_is_Unknown_with_no_score_even_when_they_failed()
    {
        var a = Assess(Ops(2, _ => OperationStatus.Error));

        Assert.Equal(HealthStatus.Unknown, a.Status);
        Assert.Null(a.Score);
        Assert.Contains("2 of 3 samples", a.Message);
        Assert.Contains("last probe failed", a.Message);
    }

    [Fact]
    public void All_fast_successes_score_100_and_are_Healthy()
    {
        var a = Assess(Ops(20, _ => OperationStatus.Success));

        Assert.Equal(100, a.Score);
        Assert.Equal(HealthStatus.Healthy, a.Status);
        Assert.Equal("all thresholds met", a.Message);
    }

    [Fact]
    public void One_error_in_twenty_is_not_the_original_cliff()
    {
        // The original system scored 19 successes and 1 fresh error 0.665 → Unhealthy for ten minutes.
        var a = Assess(Ops(20, i => i == 10 ? OperationStatus.Error : OperationStatus.Success));

        Assert.Equal(80, a.Score);
        Assert.Equal(HealthStatus.Healthy, a.Status);
        Assert.Contains("error rate 5%", a.Message);
    }

    [Fact]
    public void The_score_falls_smoothly_as_the_error_rate_rises()
    {
        var scores = Enumerable.Range(0, 31)
            .Select(errors => Assess(Ops(100, i => i < errors ? OperationStatus.Error : OperationStatus.Success)).Score!.Value)
            .ToList();

        for (var i = 1; i < scores.Count; i++)
        {
            Assert.True(scores[i] <= scores[i - 1], $"score rose from {scores[i - 1]} to {scores[i]} at {i} errors");
            Assert.True(scores[i - 1] - scores[i] <= 4.01, $"score dropped {scores[i - 1] - scores[i]} points at {i} errors");
        }

        Assert.Equal(60, scores[10]);
        Assert.Equal(0, scores[25]);
    }

    [Theory]
    [InlineData(6, HealthStatus.Unhealthy)]
    [InlineData(15, HealthStatus.Critical)]
    public void Error_rates_past_the_threshold_lower_the_status(int errors, HealthStatus expected)
    {
        var a = Assess(Ops(100, i => i < errors ? OperationStatus.Error : OperationStatus.Success));

        Assert.Equal(expected, a.Status);
        Assert.Contains($"error rate {errors}% > 5%", a.Message);
        Assert.Contains($"success rate {100 - errors}% < 95%", a.Message);
    }

    [Fact]
    public void A_failed_newest_probe_shows_at_once_and_clears_with_the_next_success()
    {
        var ops = Ops(40, _ => OperationStatus.Success);
        ops.Add(Ops(41, _ => OperationStatus.Timeout)[40] with { ErrorMessage = "no answer within 10 s" });

        var down = Assess(ops);
        Assert.Equal(HealthStatus.Unhealthy, down.Status);
        Assert.StartsWith("last probe failed: no answer within 10 s", down.Message);

        ops.Add(Ops(42, _ => OperationStatus.Timeout)[41]);
        Assert.Equal(HealthStatus.Critical, Assess(ops).Status);

        ops.Add(Ops(43, _ => OperationStatus.Success)[42]);
        var back = Assess(ops);
        Assert.Equal(HealthStatus.Healthy, back.Status);
        Assert.True(back.Score > 80);
    }

    [Fact]
    public void Traffic_errors_do_not_count_as_failed_probes()
    {
        var ops = Ops(40, _ => OperationStatus.Success);
        ops.Add(Ops(41, _ => OperationStatus.Error, source: OperationSource.Traffic)[40]);

        var a = Assess(ops);

        Assert.Equal(HealthStatus.Healthy, a.Status);
        Assert.DoesNotContain("last probe", a.Message);
    }

    [Fact]
    public void A_slow_P95_degrades_with_the_numbers_that_decided()
    {
        var a = Assess(Ops(100, _ => OperationStatus.Success, i => i < 90 ? 100 : 3000));

        Assert.Equal(HealthStatus.Degraded, a.Status);
        Assert.Equal(90, a.Score);
        Assert.Contains("P95 3000 ms > 2000 ms", a.Message);
    }

    [Fact]
    public void Fallbacks_cost_points_but_are_answered_requests()
    {
        var ops = Ops(10, i => i < 4 ? OperationStatus.Fallback : OperationStatus.Success);
        var stats = WindowStats.From(ops);
        var a = HealthScorer.Assess(stats, Runbook, 3);

        Assert.Equal(100, stats.SuccessRate);
        Assert.Equal(40, stats.FallbackRate);
        Assert.Equal(80, a.Score);
        Assert.Contains("fallback rate 40% > 20%", a.Message);
    }
}
