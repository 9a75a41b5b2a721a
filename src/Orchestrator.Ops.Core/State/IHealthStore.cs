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

    /// <summary>
    /// Traffic aggregates whose buckets start in [since, until), merged per wrapper, slot and step. Each part comes from
    /// the coarsest resolution that answers it exactly (hours, minutes, seconds); where the seconds are older than their
    /// retention, from the finest rollup that still holds that time.
    /// </summary>
    Task<IReadOnlyList<TrafficAggregate>> GetTrafficAsync(TrafficQuery query, CancellationToken cancellationToken);

    /// <summary>
    /// Probes counted as aggregates (as <see cref="TrafficAggregate.Record(OperationRecord)"/> counts one), merged per
    /// wrapper, slot and step: whole hours from the probes' hourly rollup, the rest from the probe records.
    /// </summary>
    Task<IReadOnlyList<TrafficAggregate>> GetProbeTrafficAsync(TrafficQuery query, CancellationToken cancellationToken);

    /// <summary>Operations recorded as started and not yet ended (requests in flight).</summary>
    Task<int> CountInFlightAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Removes history older than each resolution's cutoff, in batches of a few thousand rows, each its own short
    /// transaction; a table is marked as pruned before its rows go, so readers take the coarser table for that time.
    /// </summary>
    Task<HistoryPruneResult> PruneAsync(HistoryCutoffs cutoffs, CancellationToken cancellationToken);

    /// <summary>
    /// Builds the rollups a store that held history before it had them still lacks, newest hour first, an hour of one
    /// wrapper and slot per transaction; reports after each hour. Resumable: what is built is marked as built, and a
    /// build that stops (cancelled, the process gone) goes on from there the next time. Returns at once when nothing is pending.
    /// </summary>
    Task<IReadOnlyList<RollupBuildProgress>> BuildRollupsAsync(IProgress<RollupBuildProgress>? progress, CancellationToken cancellationToken);
}
