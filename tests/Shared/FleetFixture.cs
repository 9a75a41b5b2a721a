using Orchestrator.Ops.Sandbox;

namespace Orchestrator.Ops.Tests.Shared;

/// <summary>A real sandbox fleet on loopback, started once per test class or collection and reset before each test.</summary>
public sealed class FleetFixture : IAsyncLifetime
{
    private readonly Dictionary<(string, string), long> _baseline = [];

    public SandboxFleet Fleet { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Fleet = await SandboxFleet.StartAsync(new SandboxOptions { Seed = 1 });

    public async Task DisposeAsync() => await Fleet.DisposeAsync();

    /// <summary>Puts every instance back to its defaults and starts counting requests afresh.</summary>
    public async Task ResetAsync()
    {
        await Fleet.ResetAsync();
        foreach (var i in Fleet.Instances)
        {
            _baseline[(i.Wrapper, i.Slot)] = Fleet.GetRequestCount(i.Wrapper, i.Slot);
        }
    }

    /// <summary>Completes when the instance has received <paramref name="count"/> requests since the last reset.</summary>
    public Task WaitForRequestsAsync(string wrapper, string slot, int count) =>
        Fleet.WaitForRequestsAsync(wrapper, slot, _baseline.GetValueOrDefault((wrapper, slot)) + count);

    public Uri HealthUrl(string wrapper, string slot) =>
        new(Fleet.Instances.Single(i => i.Wrapper == wrapper && i.Slot == slot).BaseUrl + "/health");

    /// <summary>An ops configuration pointing at this fleet, with extra top-level sections.</summary>
    public string ConfigText(string extra = "")
    {
        var wrappers = Fleet.Instances.Select(i => i.Wrapper).Distinct().ToList();
        var w = string.Join(",\n", wrappers.Select(n => $$"""    { "name": "{{n}}", "kind": "{{KindOf(n)}}" }"""));
        var s = string.Join(",\n", Fleet.Instances.GroupBy(i => i.Slot).Select(slot =>
            $$"""    "{{slot.Key}}": { {{string.Join(", ", slot.Select(i => $"\"{i.Wrapper}\": \"{i.BaseUrl}\""))}} }"""));
        return $$"""
            {
              "opsRoot": ".",
              "wrappers": [
            {{w}}
              ],
              "slots": {
            {{s}}
              }{{extra}}
            }
            """;
    }

    private static string KindOf(string name) => name switch
    {
        _ when name.StartsWith("poml", StringComparison.Ordinal) => "poml",
        _ when name.StartsWith("external", StringComparison.Ordinal) => "external-tool",
        _ => "routellm",
    };
}

[CollectionDefinition("service")]
public sealed class ServiceCollection : ICollectionFixture<FleetFixture>;
