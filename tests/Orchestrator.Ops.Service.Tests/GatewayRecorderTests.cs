using System.Net;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The gateway's traffic aggregates reach the store whatever the store or the service is doing.</summary>
[Collection("service")]
public sealed class GatewayRecorderTests(FleetFixture fleet)
{
    [Fact]
    public async Task A_locked_store_delays_the_aggregates_without_losing_them_or_the_traffic()
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

        // Kept in memory through the refusals, then written once: the three requests, each counted once.
        var written = Assert.Single(await service.WaitForTrafficAsync(3));
        Assert.Equal(("routellm", "blue", 3L, 3L), (written.Wrapper, written.Slot, written.Successes, written.Latency.Count));
        var stored = Assert.Single(await service.StoredTrafficAsync());
        Assert.Equal((3L, 3L, written.LatencySumMs), (stored.Successes, stored.Status2xx, stored.LatencySumMs));
        Assert.Equal(written.Latency.ToBytes(), stored.Latency.ToBytes());
        Assert.Contains(service.LogLines("application.log"), l => l.Contains("[WARN] gateway Cannot write traffic records", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_graceful_stop_writes_all_pending_traffic()
    {
        const int N = 40;
        await fleet.ResetAsync();

        // A flush interval far beyond the test: only the stop can write this traffic.
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
        Assert.Equal([("poml", "blue", N / 2L, N / 2L), ("routellm", "blue", N / 2L, N / 2L)],
            stored.Select(a => (a.Wrapper, a.Slot, a.Successes, a.Requests)));

        // The stop also withdraws the in-flight count, so active_operations does not linger.
        Assert.Equal(0, GatewayInFlight.Parse(await service.Store.Settings.GetAsync(GatewayInFlight.SettingKey, default))!.Count);
    }
}
