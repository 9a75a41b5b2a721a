namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on the log capability: error logs, access logs, failed authentications, rate limits, traffic.</summary>
internal static class LogChecks
{
    private const string NotBuilt = "The log capability (Search-OpsLog, Measure-OpsLog) is not part of this version, so the logs were not read.";

    public static Task<RunbookOutcome> ErrorLogsAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    public static Task<RunbookOutcome> SuspiciousAccessAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    public static Task<RunbookOutcome> FailedAuthAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    public static Task<RunbookOutcome> RateLimitsAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    public static Task<RunbookOutcome> UnusualTrafficAsync(RunbookContext ctx, CancellationToken ct) => throw new RunbookSkipException(NotBuilt);

    /// <summary>Failed authentications for the weekly security review; null when the logs cannot be read.</summary>
    public static Task<IReadOnlyList<RunbookEvidence>?> FailedAuthRowsAsync(RunbookContext ctx, CancellationToken ct) =>
        Task.FromResult<IReadOnlyList<RunbookEvidence>?>(null);
}
