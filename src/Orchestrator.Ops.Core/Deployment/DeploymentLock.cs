using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The deployment lock: one state-changing operation at a time, across processes and hosts. Taking it either refuses
/// at once naming the holder, or takes over from a holder whose process died on this host once
/// <see cref="DeploymentRecovery"/> has returned what it left running to consistency. The service takes over a
/// handed-off analysis's lock (pid 0) by re-keying it to itself.
/// </summary>
internal sealed class DeploymentLock(IStateStore store, DeploymentRecovery recovery, TimeProvider time, ILogger log)
{
    /// <summary>
    /// Takes the deployment lock, or throws <see cref="DeploymentFailure.Locked"/> naming the holder at once.
    /// A holder whose process died on this host is taken over after its interrupted operation is recovered.
    /// </summary>
    public async Task<DeploymentLockHolder> AcquireAsync(string command, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var me = new DeploymentLockHolder(Guid.NewGuid().ToString("N"), $"{Actor.Current} (pid {Environment.ProcessId}, {command})", Environment.MachineName,
            Environment.ProcessId, time.GetUtcNow(), null);
        var (acquired, current, takenOver) = await store.Deployment.TryAcquireLockAsync(me, IsStale, cancellationToken).ConfigureAwait(false);
        if (!acquired)
        {
            throw LockedError(current);
        }

        if (takenOver is not null)
        {
            reporter.Warning($"The previous holder of the deployment lock ({takenOver.Holder}) is gone; recovering its operation first.");
            log.Warning("Took over the deployment lock from {Holder}, whose process is gone", takenOver.Holder);
            if (takenOver.OperationId is { } opId)
            {
                await recovery.RecoverAsync(opId, me, reporter, cancellationToken).ConfigureAwait(false);
            }
        }

        // Also recover any operation left running without a lock (a crash between the lock and the journal can't do
        // that, but a store restored from a backup can).
        foreach (var orphan in await store.Deployment.GetOperationsAsync(null, runningOnly: true, 100, cancellationToken).ConfigureAwait(false))
        {
            if (!orphan.HandedOff)
            {
                await recovery.RecoverAsync(orphan.Id, me, reporter, cancellationToken).ConfigureAwait(false);
            }
        }

        return me;
    }

    public async Task ReleaseAsync(DeploymentLockHolder me) =>
        await store.Deployment.ReleaseLockAsync(me.Token, CancellationToken.None).ConfigureAwait(false);

    /// <summary>
    /// For a plan: throws <see cref="DeploymentFailure.Locked"/> when a live holder has the lock. Returns the holder
    /// whose process is gone (taking the lock will recover its operation), or null when the lock is free.
    /// </summary>
    public async Task<DeploymentLockHolder?> ThrowIfHeldAsync(CancellationToken cancellationToken)
    {
        var holder = await store.Deployment.GetLockAsync(cancellationToken).ConfigureAwait(false);
        if (holder is not null && !IsStale(holder))
        {
            throw LockedError(holder);
        }

        return holder;
    }

    /// <summary>
    /// If the deployment lock is held by a process that died on this host, recovers its operation and frees the lock.
    /// Returns whether it did.
    /// </summary>
    public async Task<bool> RecoverAbandonedAsync(IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var holder = await store.Deployment.GetLockAsync(cancellationToken).ConfigureAwait(false);
        if (holder is null || !IsStale(holder))
        {
            return false;
        }

        var me = await AcquireAsync("the service's recovery", reporter, cancellationToken).ConfigureAwait(false);
        await ReleaseAsync(me).ConfigureAwait(false);
        return true;
    }

    /// <summary>
    /// Takes over the lock a command handed to the service for switch <paramref name="op"/>: null when it is not
    /// (or no longer) handed off for that operation, or another process re-keyed it first.
    /// </summary>
    public async Task<DeploymentLockHolder?> TakeHandedOffAsync(DeploymentOperation op, CancellationToken cancellationToken)
    {
        var holder = await store.Deployment.GetLockAsync(cancellationToken).ConfigureAwait(false);
        if (holder is null || holder.ProcessId != 0 || holder.OperationId != op.Id)
        {
            return null;
        }

        var me = holder with { Token = Guid.NewGuid().ToString("N"), Holder = $"the service (pid {Environment.ProcessId}) analysing switch #{op.Id}", Host = Environment.MachineName, ProcessId = Environment.ProcessId };
        return await store.Deployment.UpdateLockAsync(holder.Token, me, cancellationToken).ConfigureAwait(false) ? me : null;
    }

    private static DeploymentException LockedError(DeploymentLockHolder current)
    {
        var op = current.OperationId is { } id ? $" for operation #{id}" : string.Empty;
        return new DeploymentException(DeploymentFailure.Locked,
            $"Another deployment operation holds the lock: {current.Holder}, since {current.AcquiredAt:u}{op}. Wait for it to finish (Get-DeploymentHistory -Running shows it); nothing was changed.")
        { Target = current.Holder };
    }

    private static bool IsStale(DeploymentLockHolder h)
    {
        if (h.ProcessId == 0)
        {
            // Handed to the service, which has not picked it up: stale once the analysis should long have ended.
            return false;
        }

        return string.Equals(h.Host, Environment.MachineName, StringComparison.OrdinalIgnoreCase) && !ProcessHelpers.IsAlive(h.ProcessId);
    }
}
