using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.Tests.Support;

/// <summary>
/// A test over a real engine on a fake clock whose configuration points at the sandbox fleet, with the given
/// healthChecks section; the fleet is reset before each test and the engine and its folder removed after.
/// </summary>
public abstract class FleetEngineTest(FleetFixture fleet, string healthChecks) : IAsyncLifetime
{
    protected FleetFixture Fleet { get; } = fleet;

    protected TempFolder Dir { get; } = new();

    protected FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero));

    protected OpsEngine Engine { get; set; } = null!;

    public async Task InitializeAsync()
    {
        await Fleet.ResetAsync();
        var path = Dir.Write("ops.json", Fleet.ConfigText($$"""
            ,
              "healthChecks": {{healthChecks}}
            """));
        Engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), new OpsEngineOptions { Time = Time }, default);
    }

    public async Task DisposeAsync()
    {
        await Engine.DisposeAsync();
        Dir.Dispose();
    }
}
