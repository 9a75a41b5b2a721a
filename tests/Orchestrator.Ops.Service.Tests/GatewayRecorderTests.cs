using System.Net;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The gateway's records reach the store whatever the store or the service is doing.</summary>
[Collection("service")]
public sealed class GatewayRecorderTests(FleetFixture fleet)
{
    [Fact]
    public async Task A_locked_store_delays_the_records_without_losing_them_or_the_traffic()
    {
        await fleet.ResetAsync();
        await using var service = await GatewayTestService.StartAsync(fleet, extra: """
            ,
              "store": { "busyTimeoutMs": 200 }
            """);
        var refused = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        service.Recorder.WriteFailed += kept => refused.TrySetResult(kept);

        await using (var holder = await service.LockStoreAsync())
        {
            for (var i = 0; i < 3; i++)
            {
                // Traffic flows while the store is locked: nothing on the request path waits on it.
                using var response = await service.Gateway.GetAsync("/routellm/v1/operation");
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            }

            Assert.True(await refused.Task.WaitAsync(GatewayTestService.Bound) >= 1);
            Assert.Empty(service.Written);
        }

        var records = await service.WaitForRecordsAsync(3);
        Assert.Equal(3, records.Count);
        Assert.Equal(3, (await service.StoredTrafficAsync()).Count);
        Assert.Contains(service.LogLines("application.log"), l => l.Contains("[WARN] gateway Cannot write traffic records", StringComparison.Ordinal));
    }

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
