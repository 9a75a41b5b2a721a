using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>Operation records (probes and traffic) and their history.</summary>
public interface IHealthStore
{
    /// <summary>Records completed operations in one transaction; returns them with their ids.</summary>
    Task<IReadOnlyList<OperationRecord>> AddAsync(IReadOnlyList<OperationRecord> records, CancellationToken cancellationToken);

    /// <summary>Operations that started in [since, until), oldest first, optionally for one wrapper and slot.</summary>
    Task<IReadOnlyList<OperationRecord>> GetAsync(OperationQuery query, CancellationToken cancellationToken);

    /// <summary>When the newest probe of each wrapper and slot started.</summary>
    Task<IReadOnlyDictionary<(string Wrapper, string Slot), DateTimeOffset>> GetLastProbeTimesAsync(CancellationToken cancellationToken);

    /// <summary>Operations recorded as started and not yet ended (requests in flight).</summary>
    Task<int> CountInFlightAsync(CancellationToken cancellationToken);
}
