using System.Globalization;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// The health score: 100 minus penalties that grow linearly with how far each measurement is past its target,
/// so there is no cliff — one error among many samples costs a little, not a status. Documented in
/// about_Orchestrator.Ops_Health and the README:
/// <list type="bullet">
/// <item>errors: 20 × errorRate / maxErrorRate (20 points at the threshold), up to 100;</item>
/// <item>fallbacks: 10 × fallbackRate / maxFallbackRate, up to 30;</item>
/// <item>P95 over maxP95Ms: 20 × (P95 / maxP95Ms − 1), up to 20; P99 over maxP99Ms: 15 × (P99 / maxP99Ms − 1), up to 15;</item>
/// <item>mean response over maxResponseMs: 15 × (mean / maxResponseMs − 1), up to 15;</item>
/// <item>probes failed in a row at the end of the window (each after all its retries): 30 each, up to 100.</item>
/// </list>
/// Status: Unknown below the minimum sample count; Critical below the critical score; Unhealthy below the warning
/// score; Degraded when the score is fine but a threshold is breached; else Healthy. A newest probe that failed
/// after all its retries means the wrapper does not answer now, so it costs enough to make the status at least
/// Unhealthy (with the default scores) — and it clears with the next successful probe, not ten minutes later.
/// </summary>
public static class HealthScorer
{
    public static HealthAssessment Assess(WindowStats stats, ThresholdSettings t, int minimumSamples)
    {
        var reasons = new List<string>();
        if (stats.Total < minimumSamples)
        {
            var last = stats.LastProbe is { IsFailure: true } lp ? $"; last probe failed: {lp.ErrorMessage}" : string.Empty;
            return new HealthAssessment(null, HealthStatus.Unknown,
                $"{stats.Total} of {minimumSamples} samples needed to judge{last}");
        }

        var breach = false;
        double penalty = 0;

        var errorRate = stats.ErrorRate ?? 0;
        penalty += Math.Min(100, 20 * errorRate / t.MaxErrorRatePercent);
        if (errorRate > t.MaxErrorRatePercent)
        {
            breach = true;
            reasons.Add($"error rate {F(errorRate)}% > {F(t.MaxErrorRatePercent)}%");
        }
        else if (errorRate > 0)
        {
            reasons.Add($"error rate {F(errorRate)}%");
        }

        var successRate = stats.SuccessRate ?? 100;
        if (successRate < t.MinSuccessRatePercent)
        {
            breach = true;
            reasons.Add($"success rate {F(successRate)}% < {F(t.MinSuccessRatePercent)}%");
        }

        var fallbackRate = stats.FallbackRate ?? 0;
        penalty += Math.Min(30, 10 * fallbackRate / t.MaxFallbackRatePercent);
        if (fallbackRate > t.MaxFallbackRatePercent)
        {
            reasons.Add($"fallback rate {F(fallbackRate)}% > {F(t.MaxFallbackRatePercent)}%");
        }

        penalty += Over(stats.P95Ms, t.MaxP95Ms, 20, "P95", ref breach, reasons);
        penalty += Over(stats.P99Ms, t.MaxP99Ms, 15, "P99", ref breach, reasons);
        penalty += Over(stats.AverageMs, t.MaxResponseMs, 15, "mean response", ref breach, reasons);

        if (stats.TrailingProbeFailures > 0)
        {
            penalty += Math.Min(100, 30 * stats.TrailingProbeFailures);
            breach = true;
            var what = stats.LastProbe?.ErrorMessage ?? "failed";
            reasons.Insert(0, stats.TrailingProbeFailures == 1
                ? $"last probe failed: {what}"
                : $"last {stats.TrailingProbeFailures} probes failed: {what}");
        }

        var score = Math.Round(Math.Clamp(100 - penalty, 0, 100), 1);
        var status = score < t.HealthCriticalPercent ? HealthStatus.Critical
            : score < t.HealthWarningPercent ? HealthStatus.Unhealthy
            : breach ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        var message = reasons.Count == 0 ? "all thresholds met" : string.Join("; ", reasons);
        return new HealthAssessment(score, status, message);
    }

    private static double Over(double? value, double limit, double weight, string name, ref bool breach, List<string> reasons)
    {
        if (value is not { } v || v <= limit)
        {
            return 0;
        }

        breach = true;
        reasons.Add($"{name} {F(v)} ms > {F(limit)} ms");
        return Math.Min(weight, weight * ((v / limit) - 1));
    }

    private static string F(double v) => v.ToString("0.##", CultureInfo.InvariantCulture);
}
