namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// One completed (or in-flight) operation against a wrapper: a probe or a real request.
/// Carries the runbook's operation record fields.
/// </summary>
public sealed record OperationRecord
{
    public long Id { get; init; }
    public required string Wrapper { get; init; }
    public required string Slot { get; init; }
    public required OperationSource Source { get; init; }
    public required string OperationType { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public double? DurationMs { get; init; }
    public required OperationStatus Status { get; init; }
    public int? StatusCode { get; init; }
    public string? ErrorMessage { get; init; }
    public string? ErrorCode { get; init; }
    public bool FallbackUsed { get; init; }
    public string? FallbackReason { get; init; }
    public int Attempts { get; init; } = 1;
    public string? Version { get; init; }

    /// <summary>The attempts of a probe, in order (empty for traffic records).</summary>
    public IReadOnlyList<ProbeAttempt> AttemptDetails { get; init; } = [];

    public bool IsFailure => Status is OperationStatus.Error or OperationStatus.Timeout;
}
