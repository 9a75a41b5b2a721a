namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Which procedure to run and how far back its items look.</summary>
public sealed record RunbookRequest
{
    public required RunbookName Name { get; init; }

    /// <summary>The start of the look-back window; null takes the procedure's default (<see cref="RunbookService.DefaultLookBack"/>).</summary>
    public DateTimeOffset? Since { get; init; }

    /// <summary>How far back to look from now when <see cref="Since"/> is not given; null takes the procedure's default.</summary>
    public TimeSpan? LookBack { get; init; }
}
