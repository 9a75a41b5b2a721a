namespace Orchestrator.Ops.Core.Alerts;

/// <summary>One alert: a rule breached by one wrapper in one slot, with its lifecycle and the numbers that decided.</summary>
public sealed record HealthAlert
{
    public required long Id { get; init; }
    public required string Rule { get; init; }
    public required AlertSeverity Severity { get; init; }
    public required AlertState State { get; init; }
    public required string Wrapper { get; init; }
    public required string Slot { get; init; }
    /// <summary>The metric's value at the last evaluation that breached.</summary>
    public required double Value { get; init; }
    public required double Threshold { get; init; }
    public required string Message { get; init; }
    /// <summary>When the breach began (the alert became pending).</summary>
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? FiredAt { get; init; }
    public DateTimeOffset? ResolvedAt { get; init; }
    /// <summary>Set while a firing alert's breach has cleared but not yet for the resolve hold.</summary>
    public DateTimeOffset? ClearSince { get; init; }
    public DateTimeOffset? AcknowledgedAt { get; init; }
    public string? AcknowledgedBy { get; init; }
    /// <summary>A warning muted by a firing critical alert of the same wrapper: kept, but not notified.</summary>
    public bool Muted { get; init; }
    public bool Acknowledged => AcknowledgedAt is not null;
}
