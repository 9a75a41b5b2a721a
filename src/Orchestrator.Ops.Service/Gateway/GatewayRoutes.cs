using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// Where each wrapper lives in each slot, as forwarding prefixes with their traffic counters; built once from the
/// configuration and looked up by the request's first path segment without allocating a string for it.
/// </summary>
internal sealed class GatewayRoutes
{
    private readonly Dictionary<string, GatewayRoute[]> _bySlot = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<GatewayRoute> _all = [];

    public GatewayRoutes(OpsConfig config, Orchestrator.Ops.Core.Secrets.WrapperCredentials? credentials = null)
    {
        foreach (var slot in config.Slots)
        {
            var wrappers = new List<GatewayRoute>();
            foreach (var wrapper in config.Wrappers)
            {
                if (slot.UrlOf(wrapper.Name) is { } url)
                {
                    // The forwarder appends the request's path ("/v1/operation") to the prefix.
                    var transformer = credentials is not null && config.Secrets.ForWrapper(wrapper.Name) is not null
                        ? new WrapperTokenTransformer(wrapper.Name, credentials)
                        : Yarp.ReverseProxy.Forwarder.HttpTransformer.Default;
                    var route = new GatewayRoute(wrapper.Name, slot.Name, url.AbsoluteUri.TrimEnd('/'), transformer);
                    wrappers.Add(route);
                    _all.Add(route);
                }
            }

            _bySlot[slot.Name] = [.. wrappers];
        }
    }

    /// <summary>Every route of every slot.</summary>
    public IReadOnlyList<GatewayRoute> All => _all;

    /// <summary>The wrapper's route in the slot; false when the wrapper is unknown there.</summary>
    public bool TryResolve(string slot, ReadOnlySpan<char> wrapper, out GatewayRoute route)
    {
        // A handful of wrappers: a scan beats hashing, and the span needs no string.
        if (_bySlot.TryGetValue(slot, out var wrappers))
        {
            foreach (var candidate in wrappers)
            {
                if (wrapper.Equals(candidate.Wrapper, StringComparison.OrdinalIgnoreCase))
                {
                    route = candidate;
                    return true;
                }
            }
        }

        route = null!;
        return false;
    }
}
