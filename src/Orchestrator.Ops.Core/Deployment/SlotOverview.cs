using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// What Get-DeploymentSlot shows: every configured slot with its wrappers' live versions and worst health, whether it
/// is active, and the switch or rollback that last made it so. Reads only; changes nothing.
/// </summary>
internal sealed class SlotOverview(OpsConfig config, IStateStore store, HealthService health)
{
    /// <summary>Every slot with its live versions and health, and when it last became active.</summary>
    public async Task<IReadOnlyList<DeploymentSlot>> GetSlotsAsync(IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var active = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var live = await health.GetWrapperHealthAsync(null, null, live: true, reporter, cancellationToken).ConfigureAwait(false);
        var history = await store.Deployment.GetOperationsAsync(null, false, 1000, cancellationToken).ConfigureAwait(false);
        var result = new List<DeploymentSlot>();
        foreach (var slot in config.Slots)
        {
            var wrappers = live.Where(h => h.Slot == slot.Name).ToList();
            var versions = wrappers.ToDictionary(w => w.Name, w => w.Version);
            var distinct = versions.Values.Where(v => v is not null).Distinct(StringComparer.Ordinal).ToList();
            var last = history.FirstOrDefault(o => o.ToSlot == slot.Name && o.Outcome is nameof(SwitchOutcome.Switched) or nameof(RollbackOutcome.RolledBack) && BecameActive(o, slot.Name));
            result.Add(new DeploymentSlot
            {
                Name = slot.Name,
                Active = string.Equals(slot.Name, active, StringComparison.OrdinalIgnoreCase),
                Version = distinct.Count == 0 ? null : string.Join(", ", distinct),
                Versions = versions,
                Health = Worst(wrappers.Select(w => w.Status)),
                Urls = slot.BaseUrls,
                LastSwitchedAt = last?.EndedAt,
                LastSwitchedBy = last?.StartedBy,
            });
        }

        return result;
    }

    private static bool BecameActive(DeploymentOperation o, string slot) =>
        o.Kind == DeploymentOperationKind.Rollback ? o.Outcome == nameof(RollbackOutcome.RolledBack) && o.ToSlot == slot : o.Outcome == nameof(SwitchOutcome.Switched) && o.ToSlot == slot;

    private static HealthStatus Worst(IEnumerable<HealthStatus> statuses)
    {
        var list = statuses.ToList();
        if (list.Count == 0)
        {
            return HealthStatus.Unknown;
        }

        if (list.All(s => s == HealthStatus.Unknown))
        {
            return HealthStatus.Unknown;
        }

        return list.Where(s => s != HealthStatus.Unknown).Max();
    }
}
