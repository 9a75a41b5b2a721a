namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>One item of a runbook procedure: its status, what was found, and the evidence it was decided on.</summary>
public sealed record RunbookCheck
{
    public required RunbookName Procedure { get; init; }

    /// <summary>The item, as the runbook names it (<c>Backup completed and verified</c>).</summary>
    public required string Item { get; init; }

    public required RunbookStatus Status { get; init; }

    /// <summary>What was found, in a sentence or two, with what to do when it is not a pass.</summary>
    public required string Detail { get; init; }

    /// <summary>The rows the status was decided on.</summary>
    public IReadOnlyList<RunbookEvidence> Evidence { get; init; } = [];

    /// <summary>The runbook's sections this item comes from (<c>3.3.1</c>).</summary>
    public required string Section { get; init; }

    /// <summary>The item's position in its procedure (1-based).</summary>
    public int Order { get; init; }

    public DateTimeOffset CheckedAt { get; init; }

    public TimeSpan Duration { get; init; }
}
