namespace Orchestrator.Ops.Core.Secrets;

/// <summary>The steps of a rotation, each recorded before it runs so an interrupted rotation can be resumed or reverted.</summary>
public enum SecretRotationStep
{
    /// <summary>The journal entry exists; the Pending version may not yet.</summary>
    Started,

    /// <summary>The Pending version is in the vault.</summary>
    Created,

    /// <summary>The Pending value is being written to the targets (the current value beside it as the previous one).</summary>
    Setting,

    /// <summary>The consumers are being verified with the Pending value.</summary>
    Testing,

    /// <summary>Pending is becoming Current in the vault.</summary>
    Finishing,

    /// <summary>A failure is being undone: the targets get the current value back and Pending is discarded.</summary>
    Reverting,

    /// <summary>The rotation ended (see its state).</summary>
    Completed,
}

/// <summary>Where a rotation stands.</summary>
public enum SecretRotationState
{
    Running,
    Succeeded,
    Reverted,
}

/// <summary>One rotation's journal entry: ids, versions and timestamps only, never a value.</summary>
public sealed record SecretRotationRecord
{
    public required string RequestToken { get; init; }

    public required string Name { get; init; }

    public int? FromVersion { get; init; }

    public int? ToVersion { get; init; }

    public SecretRotationStep Step { get; init; }

    public SecretRotationState State { get; init; }

    public string? Outcome { get; init; }

    public string? Reason { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public DateTimeOffset UpdatedAt { get; init; }

    public DateTimeOffset? EndedAt { get; init; }

    public required string StartedBy { get; init; }

    public TimeSpan GracePeriod { get; init; }

    /// <summary>When the previous value stops being accepted (set when the rotation succeeds and there was a previous value).</summary>
    public DateTimeOffset? PreviousValidUntil { get; init; }

    /// <summary>When the previous value was removed from the targets.</summary>
    public DateTimeOffset? PreviousRemovedAt { get; init; }

    /// <summary>The targets' and checks' results as JSON (a <see cref="SecretRotationResult"/> without a value).</summary>
    public string? ResultJson { get; init; }
}
