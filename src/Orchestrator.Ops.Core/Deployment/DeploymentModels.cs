namespace Orchestrator.Ops.Core.Deployment;

/// <summary>Who holds the deployment lock: one switch or rollback at a time, across every process on the store.</summary>
/// <param name="Token">A random token naming this holding (released only by its holder, or taken over when stale).</param>
/// <param name="Holder">A readable holder: user, host, process id and command.</param>
/// <param name="Host">The machine the holder runs on (a stale holder is detected only on the same host).</param>
/// <param name="ProcessId">The holding process; 0 when the lock belongs to a handed-off operation the service carries on.</param>
/// <param name="AcquiredAt">When it was taken.</param>
/// <param name="OperationId">The journaled operation it protects, once started.</param>
public sealed record DeploymentLockHolder(string Token, string Holder, string Host, int ProcessId, DateTimeOffset AcquiredAt, long? OperationId);

/// <summary>A journaled deployment operation.</summary>
public enum DeploymentOperationKind
{
    Switch,
    Rollback,
}

/// <summary>The journaled steps. An operation records each before doing it, so a crash at any point is recoverable.</summary>
public enum DeploymentStep
{
    /// <summary>The lock is held and the operation recorded; nothing changed yet.</summary>
    Started,

    /// <summary>Switch: the rollback point of the state before the switch exists.</summary>
    RollbackPointCreated,

    /// <summary>Switch: the target slot passed (or skipped) its gate; the router is about to change.</summary>
    Gated,

    /// <summary>The router is being changed (a switch, or a rollback's switch back).</summary>
    Switching,

    /// <summary>Switch: the router routes to the target slot and the store says so.</summary>
    Switched,

    /// <summary>Switch: post-switch analysis is running.</summary>
    Analysing,

    /// <summary>Switch: analysis failed; traffic is being switched back.</summary>
    RollingBack,

    /// <summary>Rollback: the rollback point's files are being restored.</summary>
    RestoringFiles,

    /// <summary>Rollback: files and routing restored; health is being verified.</summary>
    Verifying,

    /// <summary>Done; the outcome is recorded.</summary>
    Completed,
}

/// <summary>Whether an operation still runs, ended, or was finished by recovery after its process died.</summary>
public enum DeploymentOperationState
{
    Running,
    Completed,
    Recovered,
}

/// <summary>A row of the deployment journal and history. Ids only grow; history is never renumbered.</summary>
public sealed record DeploymentOperation
{
    public long Id { get; init; }
    public required DeploymentOperationKind Kind { get; init; }
    public string? FromSlot { get; init; }
    public required string ToSlot { get; init; }

    /// <summary>The rollback point created before a switch, or restored by a rollback.</summary>
    public long? RollbackPointId { get; init; }

    public required DeploymentStep Step { get; init; }
    public required DeploymentOperationState State { get; init; }

    /// <summary>
    /// The name of a <see cref="SwitchOutcome"/> for a switch (Switched, RolledBack, Refused, Aborted), of a
    /// <see cref="RollbackOutcome"/> for a rollback (RolledBack, Aborted): text, as the journal stores it.
    /// </summary>
    public string? Outcome { get; init; }

    public string? Reason { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public DateTimeOffset UpdatedAt { get; init; }
    public DateTimeOffset? EndedAt { get; init; }
    public required string StartedBy { get; init; }

    /// <summary>The command's process handed the analysis to the service (-NoWait) and stopped watching.</summary>
    public bool HandedOff { get; init; }

    /// <summary>When a handed-off analysis ends.</summary>
    public DateTimeOffset? AnalysisUntil { get; init; }

    /// <summary>The full result (gates, analysis) as JSON, once ended.</summary>
    public string? ResultJson { get; init; }
}

/// <summary>One file a rollback point captured.</summary>
/// <param name="Path">Where the file lives (absolute).</param>
/// <param name="Sha256">Its SHA-256 (lower-case hex) when captured.</param>
/// <param name="Length">Its size in bytes.</param>
/// <param name="StoredCopy">The copy under the rollback point's folder.</param>
public sealed record RollbackFile(string Path, string Sha256, long Length, string StoredCopy);

/// <summary>A rollback point: the active slot, each slot's versions and the configured files with their hashes.</summary>
public sealed record RollbackPoint
{
    public long Id { get; init; }
    public required DateTimeOffset CreatedAt { get; init; }
    public required string CreatedBy { get; init; }
    public string? Description { get; init; }
    public bool Stable { get; init; }
    public DateTimeOffset? StableAt { get; init; }
    public required string ActiveSlot { get; init; }

    /// <summary>slot → wrapper → version reported by the wrapper's /health when the point was made (null when it did not answer).</summary>
    public required IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> Versions { get; init; }

    public required IReadOnlyList<RollbackFile> Files { get; init; }

    /// <summary>The folder holding the copies and point.json.</summary>
    public required string Folder { get; init; }

    /// <summary>What made it: manual, switch, stable (after a passed switch).</summary>
    public required string Source { get; init; }
}
