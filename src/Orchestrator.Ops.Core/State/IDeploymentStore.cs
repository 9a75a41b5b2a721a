using Orchestrator.Ops.Core.Deployment;

namespace Orchestrator.Ops.Core.State;

/// <summary>The deployment capability's tables: the lock, the journal/history, and rollback points.</summary>
public interface IDeploymentStore
{
    /// <summary>
    /// Takes the lock in one transaction. When another holding exists, <paramref name="isStale"/> decides whether it
    /// may be taken over (its process died). Returns the holding now in place and, on a takeover, the stale one.
    /// </summary>
    Task<(bool Acquired, DeploymentLockHolder Current, DeploymentLockHolder? TakenOver)> TryAcquireLockAsync(
        DeploymentLockHolder me, Func<DeploymentLockHolder, bool> isStale, CancellationToken cancellationToken);

    /// <summary>Changes who holds the lock (a hand-off to the service), only if <paramref name="token"/> holds it.</summary>
    Task<bool> UpdateLockAsync(string token, DeploymentLockHolder updated, CancellationToken cancellationToken);

    /// <summary>Releases the lock if <paramref name="token"/> holds it.</summary>
    Task ReleaseLockAsync(string token, CancellationToken cancellationToken);

    Task<DeploymentLockHolder?> GetLockAsync(CancellationToken cancellationToken);

    Task<long> AddOperationAsync(DeploymentOperation operation, CancellationToken cancellationToken);

    /// <summary>Journals a step (and optionally the rollback point, hand-off and analysis end).</summary>
    Task SetStepAsync(long id, DeploymentStep step, CancellationToken cancellationToken, long? rollbackPointId = null, bool? handedOff = null, DateTimeOffset? analysisUntil = null);

    /// <summary>Saves a running operation's partial result (the analysis so far) without changing its step or state.</summary>
    Task SaveProgressAsync(long id, string resultJson, CancellationToken cancellationToken);

    /// <summary>Ends an operation with its outcome, reason and full result.</summary>
    Task EndOperationAsync(long id, DeploymentOperationState state, string outcome, string? reason, string? resultJson, CancellationToken cancellationToken);

    /// <summary>Operations newest first; optionally one id, only running ones, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<DeploymentOperation>> GetOperationsAsync(long? id, bool runningOnly, int limit, CancellationToken cancellationToken);

    Task<long> AddRollbackPointAsync(RollbackPoint point, CancellationToken cancellationToken);

    /// <summary>Rollback points newest first; optionally one id, only stable ones, at most <paramref name="limit"/>.</summary>
    Task<IReadOnlyList<RollbackPoint>> GetRollbackPointsAsync(long? id, bool stableOnly, int limit, CancellationToken cancellationToken);

    Task MarkStableAsync(long id, CancellationToken cancellationToken);
}
