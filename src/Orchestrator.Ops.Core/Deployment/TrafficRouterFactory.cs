using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>Builds the router the configuration names. Adding a router touches only this and the router's class.</summary>
public static class TrafficRouterFactory
{
    public static ITrafficRouter Create(OpsConfig config, IStateStore store, HttpClient http, TimeProvider time) => config.Deployment.Router switch
    {
        RouterKind.Gateway => new GatewayTrafficRouter(store),
        RouterKind.File => new FileTrafficRouter(config.Deployment.RouterFile, config.Slots.Select(s => s.Name)),
        _ => throw new DeploymentException(DeploymentFailure.InvalidRequest,
            $"The '{config.Deployment.Router.ToString().ToLowerInvariant()}' router is not available in this version; use 'gateway' or 'file'."),
    };
}
