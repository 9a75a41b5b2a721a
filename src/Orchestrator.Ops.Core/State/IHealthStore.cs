using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// Operation records (probes, one row each) and the gateway's traffic (aggregated per wrapper, slot and second), and their history.
/// </summary>
public interface IHealthStore
{
    /// <summary>Records completed operations in one transaction; returns them with their ids.</summary>
    Task<IReadOnlyList<OperationRecord>> AddAsync(IReadOnlyList<OperationRecord> records, CancellationToken cancellationToken);

    /// <summary>Operations that started in [since, until), oldest first, optionally for one wrapper and slot.</summary>
    Task<IReadOnlyList<OperationRecord>> GetAsync(OperationQuery query, CancellationToken cancellationToken);

    /// <summary>When the newest probe of each wrapper and slot started.</summary>
    Task<IReadOnlyDictionary<(string Wrapper, string Slot), DateTimeOffset>> GetLastProbeTimesAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Adds traffic aggregates in one transaction: counts, latency sums and histograms add to what the store already
    /// holds for the same wrapper, slot and bucket (so several gateways on one store add up); the newest activity wins.
    /// </summary>
    Task AddTrafficAsync(IReadOnlyList<TrafficAggregate> aggregates, CancellationToken cancellationToken);

    /// <summary>Traffic aggregates whose buckets start in [since, until), merged per wrapper, slot and step.</summary>
    Task<IReadOnlyList<TrafficAggregate>> GetTrafficAsync(TrafficQuery query, CancellationToken cancellationToken);

    /// <summary>Operations recorded as started and not yet ended (requests in flight).</summary>
    Task<int> CountInFlightAsync(CancellationToken cancellationToken);

    /// <summary>Removes finished operations (with their probe attempts) and traffic aggregates that started before <paramref name="before"/>; returns how many of each.</summary>
    Task<(int Operations, int TrafficBuckets)> PruneAsync(DateTimeOffset before, CancellationToken cancellationToken);
}
