using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The traffic gateway on its own port, over the real sandbox fleet and a real SQLite store.</summary>
[Collection("service")]
public sealed class GatewayTests(FleetFixture fleet) : IAsyncLifetime
{
    private GatewayTestService _service = null!;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _service = await GatewayTestService.StartAsync(fleet);
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    private static async Task<JsonElement> JsonOf(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    [Fact]
    public async Task Forwards_to_the_wrapper_in_the_active_slot_and_follows_a_switch_within_a_second()
    {
        using (var blue = await _service.Gateway.GetAsync("/routellm/v1/operation"))
        {
            Assert.Equal(HttpStatusCode.OK, blue.StatusCode);
            var body = await JsonOf(blue);
            Assert.Equal(("routellm", "blue", "1.0.0"), (body.GetProperty("wrapper").GetString(), body.GetProperty("slot").GetString(), body.GetProperty("version").GetString()));
        }

        // A switch only changes the store; the gateway picks it up on its next refresh.
        var followed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _service.Slots.Refreshed += slot =>
        {
            if (slot == "green")
            {
                followed.TrySetResult();
            }
        };
        var clock = Stopwatch.StartNew();
        await _service.Store.Settings.SetAsync(HealthService.ActiveSlotKey, "green", default);
        await followed.Task.WaitAsync(GatewayTestService.Bound);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(3), $"the gateway took {clock.Elapsed} to follow the switch");
        Assert.Equal("green", _service.Slots.Current);

        using var green = await _service.Gateway.PostAsync("/poml/v1/operation?x=1", new StringContent("{}"));
        Assert.Equal(HttpStatusCode.OK, green.StatusCode);
        var greenBody = await JsonOf(green);
        Assert.Equal(("green", "1.1.0"), (greenBody.GetProperty("slot").GetString(), greenBody.GetProperty("version").GetString()));

        var traffic = await _service.WaitForTrafficAsync(2);
        Assert.Equal([("poml", "green", 1L), ("routellm", "blue", 1L)], traffic.Select(a => (a.Wrapper, a.Slot, a.Successes)));
    }

    [Fact]
    public async Task Counts_success_error_fallback_refused_and_caller_errors_as_traffic()
    {
        var wrappers = fleet.Fleet.Instances.Select(i => i.Wrapper).Distinct().Order(StringComparer.Ordinal).ToList();
        var (failing, falling, down) = (wrappers[0], wrappers[1], wrappers[2]);
        await fleet.Fleet.UpdateAsync(failing, "blue", s => s with { ErrorRate = 1 });
        await fleet.Fleet.UpdateAsync(falling, "blue", s => s with { FallbackRate = 1 });
        await fleet.Fleet.UpdateAsync(down, "blue", s => s with { Down = true });

        async Task<HttpStatusCode> Get(string path)
        {
            using var r = await _service.Gateway.GetAsync(path);
            return r.StatusCode;
        }

        Assert.Equal(HttpStatusCode.InternalServerError, await Get($"/{failing}/v1/operation"));
        Assert.Equal(HttpStatusCode.OK, await Get($"/{falling}/v1/operation"));
        Assert.Equal(HttpStatusCode.BadGateway, await Get($"/{down}/v1/operation"));
        Assert.Equal(HttpStatusCode.NotFound, await Get($"/{falling}/no-such-route"));
        Assert.Equal(HttpStatusCode.OK, await Get($"/{falling.ToUpperInvariant()}/health"));

        // Per wrapper: successes, fallbacks, errors, timeouts, cancelled, then 2xx, 4xx, 5xx answers.
        static (string, long, long, long, long, long, long, long, long) Counts(TrafficAggregate a) =>
            (a.Wrapper, a.Successes, a.Fallbacks, a.Errors, a.Timeouts, a.Cancelled, a.Status2xx, a.Status4xx, a.Status5xx);
        var expected = new[]
        {
            (failing, 0L, 0L, 1L, 0L, 0L, 0L, 0L, 1L),   // 500
            (falling, 2L, 1L, 0L, 0L, 0L, 2L, 1L, 0L),   // 200 with the fallback header, 404 (the caller's mistake), 200
            (down, 0L, 0L, 1L, 0L, 0L, 0L, 0L, 1L),      // refused: the gateway answers 502
        }.OrderBy(c => c.Item1, StringComparer.Ordinal).ToList();

        var traffic = await _service.WaitForTrafficAsync(5);
        Assert.All(traffic, a => Assert.Equal("blue", a.Slot));
        Assert.Equal(expected, traffic.Select(Counts).OrderBy(c => c.Item1, StringComparer.Ordinal));
        Assert.All(traffic, a => Assert.Equal(a.Completed, a.Latency.Count));
        Assert.All(traffic, a => Assert.True(a.LatencySumMs > 0 && a.LastActivity > DateTimeOffset.UtcNow.AddMinutes(-5), $"{a.LatencySumMs} ms, {a.LastActivity}"));

        var stored = await _service.StoredTrafficAsync();
        Assert.Equal(expected, stored.Select(Counts).OrderBy(c => c.Item1, StringComparer.Ordinal));
        Assert.Equal(traffic.Select(a => a.Latency.ToBytes()), stored.Select(a => a.Latency.ToBytes()));
    }

    [Fact]
    public async Task The_api_reports_gateway_traffic_together_with_the_probes()
    {
        for (var i = 0; i < 3; i++)
        {
            using var response = await _service.Gateway.GetAsync("/routellm/v1/operation");
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        await _service.WaitForTrafficAsync(3);

        // The service's monitor is off in these tests: this read probes each wrapper once, then adds the traffic.
        using var health = await _service.Api.GetAsync("/api/wrappers/health?detail=true&slot=blue");
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        var routellm = (await JsonOf(health)).GetProperty("data").EnumerateArray().Single(w => w.GetProperty("name").GetString() == "routellm");
        Assert.Equal((4, 0), (routellm.GetProperty("total_operations").GetInt32(), routellm.GetProperty("error_count").GetInt32()));
        Assert.Equal(JsonValueKind.Number, routellm.GetProperty("p99_ms").ValueKind);
        var poml = (await JsonOf(await _service.Api.GetAsync("/api/wrappers/health?detail=true&slot=blue"))).GetProperty("data").EnumerateArray().Single(w => w.GetProperty("name").GetString() == "poml");
        Assert.Equal(1, poml.GetProperty("total_operations").GetInt32());
    }

    [Fact]
    public async Task Counts_requests_in_flight_and_publishes_the_count_for_active_operations()
    {
        const int N = 10;
        await fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { LatencyMs = 4000, LatencyJitterMs = 0 });
        var seen = new List<int>();
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _service.Publisher.Published += p =>
        {
            lock (seen)
            {
                seen.Add(p.Count);
            }

            if (p.Count == N)
            {
                reached.TrySetResult();
            }
            else if (p.Count == 0 && reached.Task.IsCompleted)
            {
                drained.TrySetResult();
            }
        };

        var requests = Enumerable.Range(0, N).Select(_ => _service.Gateway.GetAsync("/routellm/v1/operation")).ToList();
        await fleet.WaitForRequestsAsync("routellm", "blue", N).WaitAsync(GatewayTestService.Bound);
        Assert.Equal(N, _service.Traffic.InFlight);
        await reached.Task.WaitAsync(GatewayTestService.Bound);
        var published = GatewayInFlight.Parse(await _service.Store.Settings.GetAsync(GatewayInFlight.SettingKey, default));
        Assert.NotNull(published);
        Assert.True(published.Count is N or 0, $"published {published.Count}");

        foreach (var response in await Task.WhenAll(requests))
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            response.Dispose();
        }

        // The client can hold its answer a moment before the gateway's bookkeeping ends; the published 0 is the event.
        await drained.Task.WaitAsync(GatewayTestService.Bound);
        Assert.Equal(0, _service.Traffic.InFlight);
        Assert.Equal(0, GatewayInFlight.Parse(await _service.Store.Settings.GetAsync(GatewayInFlight.SettingKey, default))!.Count);
        var traffic = Assert.Single(await _service.WaitForTrafficAsync(N));
        Assert.Equal((N, N), (traffic.Successes, traffic.Latency.Count));
        Assert.True(traffic.LatencySumMs >= N * 3990, $"{traffic.LatencySumMs} ms in all");
        Assert.True(Percentile.NearestRank(traffic.Latency, 1) >= 3990 * (1 - LatencyHistogram.MaxRelativeError), "the fastest of them took under 4 s");
    }

    [Fact]
    public async Task A_client_that_gives_up_on_a_hanging_wrapper_is_counted_as_cancelled()
    {
        await fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { Hang = true });
        using var cts = new CancellationTokenSource();
        var request = _service.Gateway.GetAsync("/routellm/v1/operation", cts.Token);
        await fleet.WaitForRequestsAsync("routellm", "blue", 1).WaitAsync(GatewayTestService.Bound);
        Assert.Equal(1, _service.Traffic.InFlight);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => request);

        var traffic = Assert.Single(await _service.WaitForTrafficAsync(1));
        Assert.Equal(("routellm", "blue", 1L, 0L, 0L), (traffic.Wrapper, traffic.Slot, traffic.Cancelled, traffic.Completed, traffic.Latency.Count));
        Assert.Equal(0, _service.Traffic.InFlight);
    }

    [Fact]
    public async Task Unknown_wrappers_get_a_404_envelope_and_are_not_counted()
    {
        foreach (var path in new[] { "/no-such-wrapper/v1/operation", "/", "/api/system/health" })
        {
            using var response = await _service.Gateway.GetAsync(path);
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
            Shape.Error(await JsonOf(response), "wrapper");
        }

        // One real request afterwards: the only request counted is it.
        using (await _service.Gateway.GetAsync("/routellm/v1/operation"))
        {
        }

        var traffic = Assert.Single(await _service.WaitForTrafficAsync(1));
        Assert.Equal(("routellm", 1L), (traffic.Wrapper, traffic.Requests));
    }

    [Fact]
    public async Task The_api_does_not_answer_on_the_gateway_port_nor_the_gateway_on_the_api_port()
    {
        var before = fleet.Fleet.GetRequestCount("routellm", "blue");
        using (var viaGateway = await _service.Gateway.SendAsync(new HttpRequestMessage(HttpMethod.Get, "/api/system/health")
        {
            Headers = { { "X-Api-Key", _service.Api.DefaultRequestHeaders.GetValues("X-Api-Key").Single() } },
        }))
        {
            Assert.Equal(HttpStatusCode.NotFound, viaGateway.StatusCode);
        }

        using (var health = await _service.Gateway.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.NotFound, health.StatusCode);
        }

        using (var viaApi = await _service.Api.GetAsync("/routellm/v1/operation"))
        {
            Assert.Equal(HttpStatusCode.NotFound, viaApi.StatusCode);
            Shape.Error(await JsonOf(viaApi), "No such endpoint");
        }

        using (var apiHealth = await _service.Api.GetAsync("/health"))
        {
            Assert.Equal(HttpStatusCode.OK, apiHealth.StatusCode);
        }

        Assert.Equal(before, fleet.Fleet.GetRequestCount("routellm", "blue"));
    }

    [Fact]
    public async Task Writes_one_access_line_per_request_without_query_strings_and_not_in_application_log()
    {
        using (await _service.Gateway.GetAsync("/routellm/v1/operation?api_key=hunter2"))
        {
        }

        using (await _service.Gateway.GetAsync("/nobody/here"))
        {
        }

        using (await _service.Gateway.GetAsync("/routellm/v1/operation"))
        {
        }

        // access.log is written by a background thread and flushed each second: wait (bounded) for the three lines.
        await _service.WaitForTrafficAsync(2);
        var access = await Eventually.ValueAsync(() => Task.FromResult(_service.LogLines("access.log")), a => a.Length >= 3,
            "three lines in access.log", every: TimeSpan.FromMilliseconds(100));

        Assert.Equal(3, access.Length);
        Assert.Matches("""^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z \[INFO\] access 127\.0\.0\.1 "GET /routellm/v1/operation" 200 \d+(\.\d+)? wrapper=routellm slot=blue fallback=false$""", access[0]);
        Assert.Matches("""^\S+ \S+ \[INFO\] access 127\.0\.0\.1 "GET /nobody/here" 404 \S+ wrapper=- slot=- fallback=false$""", access[1]);
        Assert.DoesNotContain(access, l => l.Contains("hunter2", StringComparison.Ordinal) || l.Contains('?', StringComparison.Ordinal));
        Assert.DoesNotContain(_service.LogLines("application.log"), l => l.Contains(" access ", StringComparison.Ordinal) || l.Contains("/v1/operation", StringComparison.Ordinal));
    }

    [Fact]
    public void Requests_start_no_hosting_activity_or_log_scope_while_warnings_are_still_logged()
    {
        // ASP.NET Core starts an Activity and a log scope for each request when this category is enabled at any level
        // (it asks for Critical); the gateway's per-request CPU depends on it being off.
        var loggers = _service.App.Services.GetRequiredService<ILoggerFactory>();
        Assert.False(loggers.CreateLogger("Microsoft.AspNetCore.Hosting.Diagnostics").IsEnabled(LogLevel.Critical));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Server.Kestrel").IsEnabled(LogLevel.Warning));
        Assert.True(loggers.CreateLogger("Microsoft.AspNetCore.Diagnostics.ExceptionHandlerMiddleware").IsEnabled(LogLevel.Error));
    }
}
