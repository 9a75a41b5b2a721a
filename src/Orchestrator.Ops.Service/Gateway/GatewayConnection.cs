using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Http;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// Marks connections accepted on the gateway's listener, so one app serves the gateway and the API on separate ports
/// without either answering on the other's (the mark is set per connection, so it holds for port 0 too).
/// </summary>
internal sealed class GatewayConnection
{
    private static readonly GatewayConnection Mark = new();

    private GatewayConnection()
    {
    }

    /// <summary>Kestrel connection middleware for the gateway's listener.</summary>
    public static ConnectionDelegate MarkConnections(ConnectionDelegate next) => connection =>
    {
        connection.Features.Set(Mark);
        return next(connection);
    };

    /// <summary>Whether the request arrived on the gateway's listener (Kestrel exposes connection features on each request).</summary>
    public static bool IsGateway(HttpContext context) => context.Features.Get<GatewayConnection>() is not null;
}
