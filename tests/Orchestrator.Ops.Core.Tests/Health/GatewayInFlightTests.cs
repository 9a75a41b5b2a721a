using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Health;

[Collection("fleet")]
public sealed class GatewayInFlightTests(FleetFixture fleet) : FleetEngineTest(fleet, """{ "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }"""), IClassFixture<FleetFixture>
{
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
        var none = await Engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, none.ActiveOperations);

        await Engine.Store.Settings.SetAsync(GatewayInFlight.SettingKey, new GatewayInFlight(7, Time.GetUtcNow()).ToJson(), default);
        Time.Advance(TimeSpan.FromSeconds(4));
        var fresh = await Engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(7, fresh.ActiveOperations);

        // A gateway that stopped publishing (stopped or crashed) must not leave a phantom count behind.
        Time.Advance(TimeSpan.FromSeconds(1));
        var stale = await Engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, stale.ActiveOperations);

        await Engine.Store.Settings.SetAsync(GatewayInFlight.SettingKey, "garbage", default);
        var garbage = await Engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal(0, garbage.ActiveOperations);
    }
}
