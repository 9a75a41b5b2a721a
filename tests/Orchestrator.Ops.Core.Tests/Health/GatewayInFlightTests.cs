using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Health;

[Collection("fleet")]
public sealed class GatewayInFlightTests : IClassFixture<FleetFixture>, IAsyncLifetime
{
    private readonly FleetFixture _fleet;
    private readonly TempFolder _dir = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 11, 27, 10, 15, 0, TimeSpan.Zero));
    private OpsEngine _engine = null!;

    public GatewayInFlightTests(FleetFixture fleet) => _fleet = fleet;

    public async Task InitializeAsync()
    {
        await _fleet.ResetAsync();
        var slots = _fleet.Fleet.Instances
            .GroupBy(i => i.Slot)
            .ToDictionary(g => g.Key, g => (IReadOnlyDictionary<string, string>)g.ToDictionary(i => i.Wrapper, i => i.BaseUrl));
        var path = _dir.Write("ops.json", ConfigText.Fleet(slots, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }
            """));
        _engine = await OpsEngine.OpenAsync(OpsConfigLoader.Load(path), new OpsEngineOptions { Time = _time }, default);
    }

    public async Task DisposeAsync()
    {
        await _engine.DisposeAsync();
        _dir.Dispose();
    }

    [Fact]
    public void Round_trips_as_the_documented_json_and_rejects_garbage()
    {
        var value = new GatewayInFlight(12, new DateTimeOffset(2026, 11, 27, 10, 15, 1, 500, TimeSpan.Zero));
        var json = value.ToJson();
        Assert.Equal("""{"count":12,"at":"2026-11-27T10:15:01.5000000Z"}""", json);
        Assert.Equal(value, GatewayInFlight.Parse(json));
        Assert.Null(GatewayInFlight.Parse(null));
        Assert.Null(GatewayInFlight.Parse("12"));
        Assert.Null(GatewayInFlight.Parse("""{"count":-1,"at":"2026-11-27T10:15:01Z"}"""));
        Assert.Null(GatewayInFlight.Parse("""{"count":3}"""));
        Assert.Null(GatewayInFlight.Parse("{not json"));
    }

    [Fact]
    public async Task System_health_takes_active_operations_from_a_fresh_gateway_count_and_ignores_a_stale_one()
    {
        var none = await _engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, none.ActiveOperations);

        await _engine.Store.Settings.SetAsync(GatewayInFlight.SettingKey, new GatewayInFlight(7, _time.GetUtcNow()).ToJson(), default);
        _time.Advance(TimeSpan.FromSeconds(4));
        var fresh = await _engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(7, fresh.ActiveOperations);

        // A gateway that stopped publishing (stopped or crashed) must not leave a phantom count behind.
        _time.Advance(TimeSpan.FromSeconds(1));
        var stale = await _engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, stale.ActiveOperations);

        await _engine.Store.Settings.SetAsync(GatewayInFlight.SettingKey, "garbage", default);
        var garbage = await _engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, garbage.ActiveOperations);
    }
}
