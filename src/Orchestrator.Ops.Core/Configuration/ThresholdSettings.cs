namespace Orchestrator.Ops.Core.Configuration;

/// <summary>The runbook's thresholds. Rates and scores are percentages (0–100).</summary>
public sealed record ThresholdSettings
{
    public double MinSuccessRatePercent { get; init; } = 95;
    public double MaxErrorRatePercent { get; init; } = 5;
    /// <summary>Not a runbook threshold; the fallback rate at which the score loses 10 points.</summary>
    public double MaxFallbackRatePercent { get; init; } = 20;
    public double MaxResponseMs { get; init; } = 5000;
    public double MaxP95Ms { get; init; } = 2000;
    public double MaxP99Ms { get; init; } = 5000;
    public double HealthWarningPercent { get; init; } = 80;
    public double HealthCriticalPercent { get; init; } = 50;
}
