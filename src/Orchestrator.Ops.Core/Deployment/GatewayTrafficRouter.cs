using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The embedded router: the service's gateway re-reads the active slot from the store twice a second, so the switch is
/// the store write itself. Requests already in flight finish on the slot they started on.
/// </summary>
public sealed class GatewayTrafficRouter(IStateStore store) : ITrafficRouter
{
    public RouterKind Kind => RouterKind.Gateway;

    public string DescribeSwitch(RouterSwitchRequest request) =>
        $"record '{request.To.Name}' as the active slot in the store ({store.Location}); the gateway routes new requests there within a second";

    public async Task<RouterSwitchOutcome> SwitchAsync(RouterSwitchRequest request, CancellationToken cancellationToken)
    {
        try
        {
            await store.Settings.SetAsync(HealthService.ActiveSlotKey, request.To.Name, cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            throw new DeploymentException(DeploymentFailure.RouterFailed, $"The gateway router could not record slot '{request.To.Name}': {ex.Message}", ex) { Target = request.To.Name };
        }

        return new RouterSwitchOutcome("gateway", $"active slot '{request.To.Name}' recorded in the store; the gateway follows within a second");
    }

    public Task<string?> GetRoutedSlotAsync(CancellationToken cancellationToken) =>
        store.Settings.GetAsync(HealthService.ActiveSlotKey, cancellationToken);
}
