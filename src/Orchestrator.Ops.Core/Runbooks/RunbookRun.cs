namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>One run of a procedure: when, by whom, over which window, and every item's check. What a report is written from.</summary>
public sealed record RunbookRun
{
    public required RunbookName Procedure { get; init; }

    public required DateTimeOffset StartedAt { get; init; }

    public required DateTimeOffset EndedAt { get; init; }

    /// <summary>The start of the look-back window the items used.</summary>
    public required DateTimeOffset Since { get; init; }

    /// <summary>Who ran it: user@host.</summary>
    public required string RunBy { get; init; }

    public required string Host { get; init; }

    /// <summary>The ops configuration it ran against.</summary>
    public required string ConfigPath { get; init; }

    public required IReadOnlyList<RunbookCheck> Checks { get; init; }

    /// <summary>The worst item status, Skipped counting as better than Warn and worse than Pass.</summary>
    public RunbookStatus Outcome =>
        Checks.Any(c => c.Status == RunbookStatus.Fail) ? RunbookStatus.Fail
        : Checks.Any(c => c.Status == RunbookStatus.Warn) ? RunbookStatus.Warn
        : Checks.Any(c => c.Status == RunbookStatus.Skipped) ? RunbookStatus.Skipped
        : RunbookStatus.Pass;
}
