using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Orchestrator.Ops.Core;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>Wires the gateway into the service: its listener, its services and its branch of the pipeline.</summary>
internal static class GatewayHosting
{
    /// <summary>The default time between two writes of the traffic aggregates.</summary>
    public static readonly TimeSpan DefaultFlushInterval = TimeSpan.FromSeconds(1);

    /// <summary>Plain HTTP on the configured address: the gateway is the internal proxy in front of the wrappers.</summary>
    public static void Listen(ListenOptions listen) => listen.Use(GatewayConnection.MarkConnections);

    public static IServiceCollection AddGateway(this IServiceCollection services, TimeSpan? flushInterval)
    {
        services.AddHttpForwarder();
        services.AddSingleton(sp => new GatewayRoutes(sp.GetRequiredService<OpsEngine>().Config, sp.GetRequiredService<OpsEngine>().Credentials));
        services.AddSingleton<ActiveSlotCache>();
        services.AddSingleton(sp => new TrafficRecorder(sp.GetRequiredService<OpsEngine>(), sp.GetRequiredService<GatewayRoutes>(), sp.GetRequiredService<TimeProvider>(), flushInterval ?? DefaultFlushInterval));
        services.AddSingleton(sp => new AccessLog(sp.GetRequiredService<OpsEngine>().Config.LogsFolder));
        services.AddSingleton<TrafficGateway>();
        services.AddSingleton<InFlightPublisher>();

        // Before the web server in start order, so the slot is known before the first request and, stopping in reverse,
        // the server has drained its requests before the recorder writes its last aggregates.
        services.AddHostedService(sp => sp.GetRequiredService<ActiveSlotCache>());
        services.AddHostedService(sp => sp.GetRequiredService<TrafficRecorder>());
        services.AddHostedService(sp => sp.GetRequiredService<InFlightPublisher>());
        return services;
    }

    /// <summary>Requests on the gateway's listener go to the gateway and nothing else; the API never sees them.</summary>
    public static void MapGateway(this WebApplication app)
    {
        var gateway = app.Services.GetRequiredService<TrafficGateway>();
        app.MapWhen(GatewayConnection.IsGateway, branch => branch.Run(gateway.HandleAsync));
    }
}
