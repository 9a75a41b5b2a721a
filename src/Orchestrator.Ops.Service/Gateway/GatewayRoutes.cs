using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>Where each wrapper lives in each slot, as forwarding prefixes; built once from the configuration.</summary>
internal sealed class GatewayRoutes
{
    private readonly Dictionary<string, Dictionary<string, (string Wrapper, string Prefix)>> _bySlot = new(StringComparer.OrdinalIgnoreCase);

    public GatewayRoutes(OpsConfig config)
    {
        foreach (var slot in config.Slots)
        {
            var wrappers = new Dictionary<string, (string, string)>(StringComparer.OrdinalIgnoreCase);
            foreach (var wrapper in config.Wrappers)
            {
                if (slot.UrlOf(wrapper.Name) is { } url)
                {
                    // The forwarder appends the request's path ("/v1/operation") to the prefix.
                    wrappers[wrapper.Name] = (wrapper.Name, url.AbsoluteUri.TrimEnd('/'));
                }
            }

            _bySlot[slot.Name] = wrappers;
        }
    }

    /// <summary>The wrapper's configured name and forwarding prefix in the slot; false when the wrapper is unknown there.</summary>
    public bool TryResolve(string slot, string wrapper, out string name, out string prefix)
    {
        if (_bySlot.TryGetValue(slot, out var wrappers) && wrappers.TryGetValue(wrapper, out var found))
        {
            (name, prefix) = found;
            return true;
        }

        (name, prefix) = (string.Empty, string.Empty);
        return false;
    }
}
