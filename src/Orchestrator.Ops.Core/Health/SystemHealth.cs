namespace Orchestrator.Ops.Core.Health;

/// <summary>The runbook's system health, over the wrappers of the active slot. Rates and the score are percentages.</summary>
public sealed record SystemHealth
{
    public double? OverallHealthScore { get; init; }
    public required HealthStatus SystemStatus { get; init; }
    public required string ActiveSlot { get; init; }
    public int ActiveWrappers { get; init; }
    public int HealthyWrappers { get; init; }
    public int UnhealthyWrappers { get; init; }
    public double? HealthPercentage { get; init; }
    public int TotalOperations { get; init; }
    /// <summary>Operations recorded as started and not yet ended, in any slot (the gateway records requests in flight).</summary>
    public int ActiveOperations { get; init; }
    public double? OverallSuccessRate { get; init; }
    public int ErrorCount { get; init; }
    /// <summary>Completed operations per minute over the last five minutes.</summary>
    public double OperationsPerMinute { get; init; }
    public DateTimeOffset? LastHealthCheck { get; init; }
    public required IReadOnlyList<WrapperHealth> Wrappers { get; init; }
}
