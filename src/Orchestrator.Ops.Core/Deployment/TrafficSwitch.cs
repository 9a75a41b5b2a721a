using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Moves traffic from one slot to another: the configured router first, then the store's record of the active slot
/// (what the gateway and Get-DeploymentSlot read). When the store refuses the record, the router is put back, so the
/// two never disagree. Switches, rollbacks and recovery all route through here.
/// </summary>
internal sealed class TrafficSwitch(ITrafficRouter router, IStateStore store, OpsConfig config)
{
    public ITrafficRouter Router => router;

    /// <summary>Makes the router and the store route to <paramref name="to"/>.</summary>
    public async Task<RouterSwitchOutcome> RouteAsync(SlotDefinition from, SlotDefinition to, CancellationToken ct)
    {
        var outcome = await router.SwitchAsync(new RouterSwitchRequest(from, to, config.Wrappers), ct).ConfigureAwait(false);
        try
        {
            await store.Settings.SetAsync(HealthService.ActiveSlotKey, to.Name, ct).ConfigureAwait(false);
        }
        catch (StateStoreException)
        {
            // The store is the record the gateway and Get-DeploymentSlot read; put the router back so both agree.
            await router.SwitchAsync(new RouterSwitchRequest(to, from, config.Wrappers), CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        return outcome;
    }

    /// <summary>What the router would do to send traffic from <paramref name="from"/> to <paramref name="to"/>, for -WhatIf.</summary>
    public string Describe(SlotDefinition from, SlotDefinition to) => router.DescribeSwitch(new RouterSwitchRequest(from, to, config.Wrappers));
}
