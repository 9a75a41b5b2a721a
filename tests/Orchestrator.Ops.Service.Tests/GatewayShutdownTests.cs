using System.Net;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>Stopping the service loses no recorded request.</summary>
[Collection("service")]
public sealed class GatewayShutdownTests(FleetFixture fleet)
{
    [Fact]
    public async Task A_graceful_stop_writes_every_pending_traffic_record()
    {
        const int N = 40;
        await fleet.ResetAsync();

        // A flush interval far beyond the test: only the stop can write these records.
        await using var service = await GatewayTestService.StartAsync(fleet, flushInterval: TimeSpan.FromHours(1));
        var responses = await Task.WhenAll(Enumerable.Range(0, N).Select(i =>
            service.Gateway.GetAsync(i % 2 == 0 ? "/routellm/v1/operation" : "/poml/v1/operation")));
        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        foreach (var r in responses)
        {
            r.Dispose();
        }

        Assert.Empty(await service.StoredTrafficAsync());

        await service.StopAsync();

        var stored = await service.StoredTrafficAsync();
        Assert.Equal(N, stored.Count);
        Assert.Equal(N / 2, stored.Count(r => r.Wrapper == "routellm"));
        Assert.All(stored, r => Assert.Equal((OperationStatus.Success, "blue"), (r.Status, r.Slot)));

        // The stop also withdraws the in-flight count, so active_operations does not linger.
        Assert.Equal(0, GatewayInFlight.Parse(await service.Store.Settings.GetAsync(GatewayInFlight.SettingKey, default))!.Count);
    }
}
