using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The service's automatic rollback (deployment.autoRollback): decides from the history, the lock and the firing
/// critical alerts whether the last switch has breached its thresholds within the window, and if so rolls back to the
/// newest stable point from before it (<see cref="DeploymentRollback"/>) and raises the deployment alert.
/// </summary>
internal sealed class AutoRollback(OpsConfig config, IStateStore store, HealthService health, AlertService alerts, DeploymentRollback rollback,
    DeploymentAlarm alarm, TimeProvider time, ILogger log)
{
    /// <summary>
    /// Automatic rollback outside a switch (deployment.autoRollback): within deployment.autoRollbackWindowMinutes of
    /// the last switch that kept its slot, when a critical alert rule fires for a wrapper of the active slot (the rule's
    /// own duration means the breach has held), rolls back to the newest stable point recorded before that switch and
    /// raises a critical alert. At most once per switch. Returns the rollback, or null when nothing was due.
    /// </summary>
    public async Task<RollbackResult?> RollBackIfBreachedAsync(IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var d = config.Deployment;
        if (!d.AutoRollback)
        {
            return null;
        }

        var now = time.GetUtcNow();
        var history = await store.Deployment.GetOperationsAsync(null, false, 50, cancellationToken).ConfigureAwait(false);
        var last = history.FirstOrDefault(o => o.State != DeploymentOperationState.Running);
        if (last is not { Kind: DeploymentOperationKind.Switch, Outcome: "Switched", EndedAt: { } ended } || now - ended > d.AutoRollbackWindow)
        {
            return null;
        }

        if (history.Any(o => o.State == DeploymentOperationState.Running) || await store.Deployment.GetLockAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var active = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var ruleNames = config.Alerts.Rules.Where(r => r.Severity == AlertSeverity.Critical).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var firing = (await alerts.GetAsync(AlertQuery.Open, cancellationToken).ConfigureAwait(false))
            .Where(a => a.State == AlertState.Firing && a.Severity == AlertSeverity.Critical && ruleNames.Contains(a.Rule)
                && string.Equals(a.Slot, active, StringComparison.OrdinalIgnoreCase) && a.FiredAt >= last.StartedAt)
            .ToList();
        if (firing.Count == 0)
        {
            return null;
        }

        var target = (await store.Deployment.GetRollbackPointsAsync(null, true, 100, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(p => p.CreatedAt < last.StartedAt);
        var why = string.Join("; ", firing.Select(a => a.Message));
        if (target is null)
        {
            log.Error("AutoRollbackImpossible critical thresholds breached after switch #{Id} ({Why}) but there is no stable rollback point from before it", last.Id, why);
            return null;
        }

        log.Warning("Automatic rollback: critical thresholds breached within {Window} of switch #{Id}: {Why}; rolling back to stable point #{Point}", d.AutoRollbackWindow, last.Id, why, target.Id);
        var result = await rollback.RollbackAsync(target, "the service's automatic rollback", reporter, cancellationToken).ConfigureAwait(false);
        await alarm.RaiseAsync($"auto-rollback-{result.OperationId}", target.ActiveSlot,
            $"Automatic rollback #{result.OperationId} to stable point #{target.Id} ('{target.ActiveSlot}') after switch #{last.Id}: {why}", firing.Count, CancellationToken.None).ConfigureAwait(false);
        return result;
    }
}
