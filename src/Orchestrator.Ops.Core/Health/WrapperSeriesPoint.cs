namespace Orchestrator.Ops.Core.Health;

/// <summary>One step of one wrapper's operations, for the dashboard's charts. Rates are percentages; null when the step had no operations.</summary>
public sealed record WrapperSeriesPoint
{
    /// <summary>Start of the step (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }
    public int TotalOperations { get; init; }
    public double? SuccessRate { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? P99Ms { get; init; }
}
