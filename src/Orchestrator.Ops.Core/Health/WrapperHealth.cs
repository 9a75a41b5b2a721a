using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Health;

/// <summary>The health of one wrapper in one slot over the sliding window. Rates and the score are percentages.</summary>
public sealed record WrapperHealth
{
    public required string Name { get; init; }
    public required string Slot { get; init; }
    public required HealthStatus Status { get; init; }
    public double? HealthScore { get; init; }
    public double? SuccessRate { get; init; }
    public double? ErrorRate { get; init; }
    public double? FallbackRate { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? P99Ms { get; init; }
    public double? AverageMs { get; init; }
    public int TotalOperations { get; init; }
    public int ErrorCount { get; init; }
    public int FallbackCount { get; init; }
    public DateTimeOffset? LastActivity { get; init; }
    /// <summary>When the newest probe of this wrapper and slot ran.</summary>
    public DateTimeOffset? LastCheck { get; init; }
    public required string Message { get; init; }
    public required WrapperKind Kind { get; init; }
    public required Uri Url { get; init; }
    /// <summary>The version the wrapper's /health reported on the newest successful probe.</summary>
    public string? Version { get; init; }
    /// <summary>True when this slot is the one taking traffic.</summary>
    public bool Active { get; init; }
    /// <summary>Probes that failed in a row, newest last (0 when the newest probe succeeded): the wrapper does not answer now.</summary>
    public int ConsecutiveProbeFailures { get; init; }
    /// <summary>How many attempts the newest probe took (more than 1: it needed retries).</summary>
    public int? LastProbeAttempts { get; init; }
    public TimeSpan Window { get; init; }
}
