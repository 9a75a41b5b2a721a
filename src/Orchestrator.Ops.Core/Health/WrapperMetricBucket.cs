namespace Orchestrator.Ops.Core.Health;

/// <summary>One hour of one wrapper's operations: the runbook's metrics fields plus P95. Rates are percentages.</summary>
public sealed record WrapperMetricBucket
{
    public required string Wrapper { get; init; }
    public required string Slot { get; init; }
    /// <summary>Start of the hour (UTC).</summary>
    public required DateTimeOffset Timestamp { get; init; }
    public int TotalOperations { get; init; }
    public int SuccessCount { get; init; }
    public int ErrorCount { get; init; }
    public int FallbackCount { get; init; }
    public double? SuccessRate { get; init; }
    public double? ErrorRate { get; init; }
    public double? FallbackRate { get; init; }
    public double? AvgResponseTimeMs { get; init; }
    public double? P95Ms { get; init; }
}
