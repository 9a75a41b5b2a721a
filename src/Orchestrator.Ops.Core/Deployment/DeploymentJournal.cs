using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The journal of deployment operations in the store: an operation is added at step Started and named in the lock
/// its command holds; every later step is written before it is done, so a process that dies leaves the step it died
/// in for <see cref="DeploymentRecovery"/>; a switch's analysis can be handed to the service. After each journaled
/// step a crash test may stop the process there (<see cref="TestHooks"/>).
/// </summary>
internal sealed class DeploymentJournal(IStateStore store, string opsRoot, ILogger log)
{
    /// <summary>Journals a new operation at step Started and names it in the lock the caller holds.</summary>
    public async Task<(long Id, DeploymentLockHolder Holder)> BeginAsync(DeploymentOperationKind kind, SlotDefinition from, SlotDefinition to, long? pointId,
        DeploymentLockHolder me, DateTimeOffset started, CancellationToken ct)
    {
        var id = await store.Deployment.AddOperationAsync(new DeploymentOperation
        {
            Kind = kind,
            FromSlot = from.Name,
            ToSlot = to.Name,
            RollbackPointId = pointId,
            Step = DeploymentStep.Started,
            State = DeploymentOperationState.Running,
            StartedAt = started,
            StartedBy = Actor.Current,
        }, ct).ConfigureAwait(false);
        me = me with { OperationId = id };
        await store.Deployment.UpdateLockAsync(me.Token, me, ct).ConfigureAwait(false);
        return (id, me);
    }

    /// <summary>Journals <paramref name="step"/> (and the rollback point, when given) before the caller does it.</summary>
    public async Task StepAsync(long id, DeploymentStep step, CancellationToken ct, long? rollbackPointId = null)
    {
        await store.Deployment.SetStepAsync(id, step, ct, rollbackPointId).ConfigureAwait(false);
        log.Information("operation #{Id} step {Step}", id, step.ToString());
        if (TestHooks.IsAsked(step.ToString()))
        {
            await Task.Run(() => TestHooks.PauseIfAsked(step.ToString(), Path.Combine(opsRoot, "deployment")), CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Journals step Analysing with the time the analysis is to end, which a service continuing it reads.</summary>
    public async Task BeginAnalysisAsync(long id, DateTimeOffset until)
    {
        await store.Deployment.SetStepAsync(id, DeploymentStep.Analysing, CancellationToken.None, analysisUntil: until).ConfigureAwait(false);
        await StepAsync(id, DeploymentStep.Analysing, CancellationToken.None).ConfigureAwait(false);
    }

    /// <summary>
    /// Hands a switch's analysis to the service: marks the operation handed off with its result so far and gives the
    /// lock to no process (pid 0), which the service takes over; see <see cref="DeploymentLock.TakeHandedOffAsync"/>.
    /// </summary>
    public async Task HandOffAsync(long id, DeploymentLockHolder me, DeploymentSwitchResult partial, CancellationToken ct)
    {
        await store.Deployment.SetStepAsync(id, DeploymentStep.Analysing, ct, handedOff: true).ConfigureAwait(false);
        await store.Deployment.SaveProgressAsync(id, JsonSerializer.Serialize(partial), ct).ConfigureAwait(false);
        await store.Deployment.UpdateLockAsync(me.Token, me with { Holder = $"the service's analysis of switch #{id} (handed off by {Actor.Current})", ProcessId = 0 }, ct).ConfigureAwait(false);
    }
}
