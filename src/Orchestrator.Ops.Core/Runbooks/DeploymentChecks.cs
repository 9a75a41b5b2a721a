using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Recent deployments and switches (2.2.1 "Check recent deployments or changes").</summary>
internal static class DeploymentChecks
{
    /// <summary>
    /// Every switch and rollback that started or ended in the window, and any still running. A change in the window warns
    /// (the runbook's first suspect: "If deployment-related: Execute rollback"); nothing in the window passes, naming the
    /// newest operation for context.
    /// </summary>
    public static async Task<RunbookOutcome> RecentAsync(RunbookContext ctx, CancellationToken ct)
    {
        var history = await ctx.Engine.Deployment.GetHistoryAsync(null, false, 200, ct).ConfigureAwait(false);
        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var recent = history
            .Where(o => o.State == DeploymentOperationState.Running || o.StartedAt >= ctx.Since || o.EndedAt >= ctx.Since)
            .ToList();
        var rows = recent.Select(o => new RunbookEvidence(
            $"#{o.Id} {o.Kind}",
            "Outcome",
            o.State == DeploymentOperationState.Running ? "Running" : o.Outcome ?? o.State.ToString(),
            null,
            RunbookStatus.Warn,
            $"{o.FromSlot ?? "-"} -> {o.ToSlot}; started {Fmt.Time(o.StartedAt)} by {o.StartedBy}"
                + (o.EndedAt is { } e ? $", ended {Fmt.Time(e)}" : $", at step {o.Step}")
                + (o.State == DeploymentOperationState.Recovered ? " (recovered after its process died)" : string.Empty)
                + (o.Reason is null ? string.Empty : $"; {o.Reason}"))).ToList();
        rows.Insert(0, new("active slot", "Slot", active, null, null, $"{history.Count} operations in the history"));

        if (recent.Count == 0)
        {
            var newest = history.FirstOrDefault();
            var context = newest is null
                ? "There has never been a switch or rollback."
                : $"The newest was #{newest.Id} {newest.Kind} {newest.FromSlot ?? "-"} -> {newest.ToSlot} ({newest.Outcome}) at {Fmt.Time(newest.EndedAt ?? newest.StartedAt)}, {Fmt.Span(ctx.Now - (newest.EndedAt ?? newest.StartedAt))} ago.";
            return new RunbookOutcome(RunbookStatus.Pass, $"No switch or rollback since {Fmt.Time(ctx.Since)}; slot {active} is active. {context}", rows);
        }

        var running = recent.Where(o => o.State == DeploymentOperationState.Running).ToList();
        var detail = $"{Fmt.Count(recent.Count, "switch or rollback", "switches and rollbacks")} since {Fmt.Time(ctx.Since)} ({string.Join(", ", recent.Select(o => $"#{o.Id} {o.Kind} -> {o.ToSlot} {o.Outcome ?? "running"}"))}); slot {active} is active. ";
        detail += running.Count > 0
            ? $"#{running[0].Id} is still running (started by {running[0].StartedBy}): wait for it or let it recover before acting."
            : "If the trouble began after it, roll back: Invoke-Rollback -ToStable.";
        return new RunbookOutcome(RunbookStatus.Warn, detail, rows);
    }
}
