namespace Orchestrator.Ops.Core.Configuration;

/// <summary>A deployment slot (blue, green): the base URL of every wrapper in it.</summary>
public sealed record SlotDefinition(string Name, IReadOnlyDictionary<string, Uri> BaseUrls)
{
    public Uri? UrlOf(string wrapper) => BaseUrls.TryGetValue(wrapper, out var url) ? url : null;
}
