using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>Builds the router the configuration names. Adding a router touches only this and the router's class.</summary>
public static class TrafficRouterFactory
{
    public static ITrafficRouter Create(OpsConfig config, IStateStore store, HttpClient http, TimeProvider time) => config.Deployment.Router switch
    {
        RouterKind.Gateway => new GatewayTrafficRouter(store),
        RouterKind.Nginx => new NginxTrafficRouter(
            config.Deployment.Nginx ?? throw new DeploymentException(DeploymentFailure.InvalidRequest,
                "The nginx router needs deployment.nginx (upstreamFile, configFile, verifyBaseUrl); add it to the configuration."),
            config.Slots.Select(s => s.Name), http, time),
        RouterKind.File => new FileTrafficRouter(config.Deployment.RouterFile, config.Slots.Select(s => s.Name)),
        _ => throw new DeploymentException(DeploymentFailure.InvalidRequest,
            $"'{config.Deployment.Router}' is not a router; use gateway, nginx or file."),
    };
}
