using Orchestrator.Ops.Core.Alerts;

namespace Orchestrator.Ops.Core.State;

/// <summary>Alerts and their lifecycle. At most one open (pending or firing) alert per rule, wrapper and slot.</summary>
public interface IAlertStore
{
    Task<IReadOnlyList<HealthAlert>> GetAsync(AlertQuery query, CancellationToken cancellationToken);

    /// <summary>Applies a round of changes in one transaction: new alerts inserted (Id 0), others updated, the listed ids deleted.</summary>
    Task<IReadOnlyList<HealthAlert>> SaveAsync(IReadOnlyList<HealthAlert> changed, IReadOnlyList<long> deleted, CancellationToken cancellationToken);

    /// <summary>Marks an alert acknowledged; null when there is no such alert.</summary>
    Task<HealthAlert?> AcknowledgeAsync(long id, string by, DateTimeOffset at, CancellationToken cancellationToken);
}
