using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Returns an operation whose process died to a consistent state, from the step its journal reached: an interrupted
/// switch goes back to the slot it left, an interrupted rollback is finished. Called under the lock by whoever takes
/// it over (<see cref="DeploymentLock"/>).
/// </summary>
internal sealed class DeploymentRecovery(OpsConfig config, IStateStore store, TrafficSwitch traffic, RollbackPoints points, ILogger log)
{
    /// <summary>
    /// Returns an interrupted operation to a consistent state. A switch that had not reached the router is ended as
    /// Aborted; one that had (switching, switched, analysing, rolling back) has its traffic returned to the original
    /// slot — the last state known good — and is ended as Aborted. A rollback is resumed (restoring files and routing is
    /// idempotent) and ended as RolledBack. The history keeps the row, marked Recovered.
    /// </summary>
    public async Task RecoverAsync(long operationId, DeploymentLockHolder me, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var op = (await store.Deployment.GetOperationsAsync(operationId, false, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        if (op is null || op.State != DeploymentOperationState.Running)
        {
            return;
        }

        await store.Deployment.UpdateLockAsync(me.Token, me with { OperationId = op.Id }, cancellationToken).ConfigureAwait(false);
        var (outcome, reason) = op.Kind == DeploymentOperationKind.Switch
            ? await RecoverSwitchAsync(op).ConfigureAwait(false)
            : await RecoverRollbackAsync(op, cancellationToken).ConfigureAwait(false);

        await store.Deployment.EndOperationAsync(op.Id, DeploymentOperationState.Recovered, outcome, reason, null, CancellationToken.None).ConfigureAwait(false);
        reporter.Warning($"Recovered operation #{op.Id} ({op.Kind} {op.FromSlot} → {op.ToSlot}): {reason}.");
        log.Warning("Recovered operation #{Id} ({Kind} {From} -> {To}): {Reason}", op.Id, op.Kind.ToString(), op.FromSlot, op.ToSlot, reason);
    }

    private async Task<(string Outcome, string Reason)> RecoverSwitchAsync(DeploymentOperation op)
    {
        if (op.Step is DeploymentStep.Started or DeploymentStep.RollbackPointCreated or DeploymentStep.Gated || op.FromSlot is null)
        {
            return (nameof(SwitchOutcome.Aborted), $"interrupted at step {op.Step} (its process ended); nothing had been switched");
        }

        var from = config.FindSlot(op.FromSlot) ?? throw new DeploymentException(DeploymentFailure.UnknownSlot, $"Operation #{op.Id} switched from '{op.FromSlot}', which is no longer configured; fix the config before recovering.");
        var to = config.FindSlot(op.ToSlot) ?? from;
        await traffic.RouteAsync(to, from, CancellationToken.None).ConfigureAwait(false);
        return (nameof(SwitchOutcome.Aborted), $"interrupted at step {op.Step} (its process ended); traffic returned to '{from.Name}', the last slot known good");
    }

    private async Task<(string Outcome, string Reason)> RecoverRollbackAsync(DeploymentOperation op, CancellationToken cancellationToken)
    {
        if (op.Step == DeploymentStep.Started || op.RollbackPointId is null)
        {
            return (nameof(RollbackOutcome.Aborted), $"interrupted at step {op.Step} (its process ended); nothing had been changed");
        }

        var point = await points.GetAsync(op.RollbackPointId.Value, cancellationToken).ConfigureAwait(false);
        foreach (var f in point.Files)
        {
            RollbackPointFiles.Restore(f);
        }

        var from = config.FindSlot(op.FromSlot ?? point.ActiveSlot) ?? config.Slots[0];
        var to = config.FindSlot(point.ActiveSlot) ?? throw new DeploymentException(DeploymentFailure.UnknownSlot, $"Rollback point #{point.Id} names slot '{point.ActiveSlot}', which is no longer configured.");
        await traffic.RouteAsync(from, to, CancellationToken.None).ConfigureAwait(false);
        return (nameof(RollbackOutcome.RolledBack), $"resumed after an interruption at step {op.Step}: files restored and traffic on '{to.Name}'");
    }
}
