using Microsoft.AspNetCore.Http;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>One wrapper in one slot as the gateway forwards to it: its configured name, forwarding prefix, path base and traffic counter.</summary>
internal sealed class GatewayRoute(string wrapper, string slot, string prefix)
{
    public string Wrapper { get; } = wrapper;

    public string Slot { get; } = slot;

    public string Prefix { get; } = prefix;

    /// <summary>"/{wrapper}" as configured: the path base of requests that spell the name the same way.</summary>
    public PathString PathBase { get; } = new("/" + wrapper);

    public TrafficCounter Traffic { get; } = new(wrapper, slot);
}
