using Orchestrator.Ops.Sandbox;

namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>A real sandbox fleet on loopback, started once per test class and reset before each test.</summary>
public sealed class FleetFixture : IAsyncLifetime
{
    private readonly Dictionary<(string, string), long> _baseline = [];

    public SandboxFleet Fleet { get; private set; } = null!;

    public async Task InitializeAsync() =>
        Fleet = await SandboxFleet.StartAsync(new SandboxOptions { Seed = 42 });

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
}
