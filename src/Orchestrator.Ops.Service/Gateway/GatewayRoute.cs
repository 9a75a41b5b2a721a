using Microsoft.AspNetCore.Http;
using Orchestrator.Ops.Core.Secrets;
using Yarp.ReverseProxy.Forwarder;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>One wrapper in one slot as the gateway forwards to it: its configured name, forwarding prefix, path base and traffic counter.</summary>
internal sealed class GatewayRoute(string wrapper, string slot, string prefix, HttpTransformer transformer)
{
    public string Wrapper { get; } = wrapper;

    public string Slot { get; } = slot;

    public string Prefix { get; } = prefix;

    /// <summary>"/{wrapper}" as configured: the path base of requests that spell the name the same way.</summary>
    public PathString PathBase { get; } = new("/" + wrapper);

    public TrafficCounter Traffic { get; } = new(wrapper, slot);

    /// <summary>The default transformer, or one adding the wrapper's bearer token when it authenticates with a managed secret.</summary>
    public HttpTransformer Transformer { get; } = transformer;
}

/// <summary>
/// Forwards as the default transformer does, then adds the wrapper's current token when the client sent no
/// Authorization of its own: the gateway authenticates to wrappers on its clients' behalf.
/// </summary>
internal sealed class WrapperTokenTransformer(string wrapper, WrapperCredentials credentials) : HttpTransformer
{
    public override async ValueTask TransformRequestAsync(HttpContext httpContext, HttpRequestMessage proxyRequest, string destinationPrefix, CancellationToken cancellationToken)
    {
        await base.TransformRequestAsync(httpContext, proxyRequest, destinationPrefix, cancellationToken).ConfigureAwait(false);
        if (proxyRequest.Headers.Authorization is null && credentials.TokenFor(wrapper) is { } token)
        {
            proxyRequest.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }
}
