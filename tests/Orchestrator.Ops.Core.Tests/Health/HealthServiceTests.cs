using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Health;

[Collection("fleet")]
public sealed class HealthServiceTests(FleetFixture fleet) : FleetEngineTest(fleet, """{ "retries": 1, "retryDelayMs": 0, "minimumSamples": 2 }"""), IClassFixture<FleetFixture>
{
    private Task<IReadOnlyList<OperationRecord>> AllRecords() =>
        Engine.Store.Health.GetAsync(new OperationQuery(Time.GetUtcNow().AddDays(-1), Time.GetUtcNow().AddDays(1)), default);

    [Fact]
    public async Task The_first_look_probes_every_wrapper_and_slot_and_records_it()
    {
        var health = await Engine.Health.GetWrapperHealthAsync(null, null, live: false, NullReporter.Instance, default);

        Assert.Equal(6, health.Count);
        Assert.Equal(6, (await AllRecords()).Count);
        Assert.All(health, h => Assert.Equal(HealthStatus.Unknown, h.Status));
        Assert.All(health, h => Assert.Equal(Time.GetUtcNow(), h.LastCheck));
        Assert.Equal(["1.0.0"], health.Where(h => h.Slot == "blue").Select(h => h.Version).Distinct());
        Assert.All(health, h => Assert.Equal(h.Slot == "blue", h.Active));
    }

    [Fact]
    public async Task Stored_probes_are_reused_within_an_interval_and_refreshed_after_it()
    {
        await Engine.Health.GetWrapperHealthAsync(null, null, false, NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromSeconds(10));
        var reused = await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", false, NullReporter.Instance, default);
        Assert.Equal(6, (await AllRecords()).Count);
        Assert.Single(reused);

        Time.Advance(TimeSpan.FromSeconds(20));
        var fresh = await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", false, NullReporter.Instance, default);
        Assert.Equal(7, (await AllRecords()).Count);
        Assert.Equal(HealthStatus.Healthy, Assert.Single(fresh).Status);

        await Engine.Health.GetWrapperHealthAsync(null, null, live: true, NullReporter.Instance, default);
        Assert.Equal(13, (await AllRecords()).Count);
    }

    [Fact]
    public async Task A_failing_wrapper_is_scored_from_its_window_and_history_survives_reopening()
    {
        await Fleet.Fleet.UpdateAsync("poml", "blue", s => s with { ErrorRate = 1 });
        for (var i = 0; i < 3; i++)
        {
            Time.Advance(TimeSpan.FromSeconds(30));
            await Engine.Health.GetWrapperHealthAsync(null, "blue", live: true, NullReporter.Instance, default);
        }

        // Within the interval: read from the store, no new probe.
        var health = await Engine.Health.GetWrapperHealthAsync(null, "blue", false, NullReporter.Instance, default);
        var poml = health.Single(h => h.Name == "poml");
        Assert.Equal(HealthStatus.Critical, poml.Status);
        Assert.Equal(0, poml.HealthScore);
        Assert.Equal(100, poml.ErrorRate);
        Assert.Equal(2, poml.LastProbeAttempts);
        Assert.Contains("HTTP 500", poml.Message);
        Assert.Equal(HealthStatus.Healthy, health.Single(h => h.Name == "routellm").Status);

        var config = Engine.Config;
        await Engine.DisposeAsync();
        Engine = await OpsEngine.OpenAsync(config, new OpsEngineOptions { Time = Time }, default);
        var again = await Engine.Health.GetWrapperHealthAsync(["poml"], "blue", false, NullReporter.Instance, default);
        Assert.Equal(3, again.Single().TotalOperations);
    }

    [Fact]
    public async Task System_health_covers_the_active_slot_with_the_runbook_fields()
    {
        await Fleet.Fleet.UpdateAsync("routellm", "green", s => s with { Down = true });
        for (var i = 0; i < 2; i++)
        {
            await Engine.Health.GetSystemHealthAsync(live: true, NullReporter.Instance, default);
            Time.Advance(TimeSpan.FromSeconds(30));
        }

        var blue = await Engine.Health.GetSystemHealthAsync(false, NullReporter.Instance, default);
        Assert.Equal("blue", blue.ActiveSlot);
        Assert.Equal((3, 3, 0), (blue.ActiveWrappers, blue.HealthyWrappers, blue.UnhealthyWrappers));
        Assert.Equal(HealthStatus.Healthy, blue.SystemStatus);
        Assert.Equal(100, blue.OverallHealthScore);
        Assert.Equal(100, blue.HealthPercentage);
        Assert.Equal(9, blue.TotalOperations);
        Assert.Equal(0, blue.ActiveOperations);
        Assert.Equal(100, blue.OverallSuccessRate);
        Assert.Equal(0, blue.ErrorCount);
        Assert.Equal(9 / 5.0, blue.OperationsPerMinute);
        Assert.Equal(Time.GetUtcNow(), blue.LastHealthCheck);

        // A switch records the active slot in the store; system health follows it.
        await Engine.Store.Settings.SetAsync(HealthService.ActiveSlotKey, "green", default);
        await Engine.Health.GetSystemHealthAsync(live: true, NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromSeconds(1));
        var green = await Engine.Health.GetSystemHealthAsync(live: true, NullReporter.Instance, default);
        Assert.Equal("green", green.ActiveSlot);
        Assert.Equal(1, green.UnhealthyWrappers);
        Assert.Equal(HealthStatus.Critical, green.Wrappers.Single(w => w.Name == "routellm").Status);
        Assert.NotEqual(HealthStatus.Healthy, green.SystemStatus);
        Assert.Equal(2, green.ErrorCount);
    }

    [Fact]
    public async Task Metrics_come_in_hourly_buckets_including_empty_hours()
    {
        await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: true, NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromHours(1));
        await Fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { ErrorRate = 1 });
        await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: true, NullReporter.Instance, default);

        var buckets = await Engine.Health.GetMetricsAsync("routellm", "blue", 3, default);

        Assert.Equal(3, buckets.Count);
        Assert.Equal(new DateTimeOffset(2026, 11, 27, 9, 0, 0, TimeSpan.Zero), buckets[0].Timestamp);
        Assert.Equal((0, null), (buckets[0].TotalOperations, buckets[0].SuccessRate));
        Assert.Equal((1, 1, 0, 100d), (buckets[1].TotalOperations, buckets[1].SuccessCount, buckets[1].ErrorCount, buckets[1].SuccessRate!.Value));
        Assert.Equal((1, 0, 1, 100d), (buckets[2].TotalOperations, buckets[2].SuccessCount, buckets[2].ErrorCount, buckets[2].ErrorRate!.Value));
        Assert.NotNull(buckets[2].P95Ms);
    }

    [Fact]
    public async Task Probe_rounds_are_logged_one_line_each_in_the_runbook_layout()
    {
        await Fleet.Fleet.UpdateAsync("external-tools", "blue", s => s with { ErrorRate = 1 });
        await Engine.Health.GetWrapperHealthAsync(null, "blue", live: true, NullReporter.Instance, default);
        var config = Engine.Config;
        await Engine.DisposeAsync();
        Engine = await OpsEngine.OpenAsync(config, new OpsEngineOptions { Time = Time }, default);

        var monitoring = File.ReadAllLines(Path.Combine(config.LogsFolder, "monitoring.log"));
        var application = File.ReadAllLines(Path.Combine(config.LogsFolder, "application.log"));
        var errors = File.ReadAllLines(Path.Combine(config.LogsFolder, "error.log"));

        Assert.Equal(3, monitoring.Count(l => l.Contains(" probe ", StringComparison.Ordinal)));
        Assert.Contains(monitoring, l => l.Contains("round probed=3 healthy=2 failed=1", StringComparison.Ordinal));
        Assert.All(monitoring.Where(l => l.Contains("responseTime", StringComparison.Ordinal)),
            l => Assert.True(double.TryParse(l.Split(' ')[^1], System.Globalization.CultureInfo.InvariantCulture, out _), l));
        var error = Assert.Single(application, l => l.Contains("[ERROR]", StringComparison.Ordinal));
        Assert.Equal("HttpError", error.Split(' ')[4]);
        Assert.Contains("external-tools/blue", error);
        Assert.Equal(error, Assert.Single(errors));
        Assert.DoesNotContain(application, l => l.Contains(" probe routellm", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Probe_all_probes_every_wrapper_in_every_slot_regardless_of_freshness()
    {
        await Engine.Health.GetWrapperHealthAsync(null, null, live: false, NullReporter.Instance, default);
        await Fleet.Fleet.UpdateAsync("poml", "green", s => s with { Down = true });

        var round = await Engine.Health.ProbeAllAsync(NullReporter.Instance, default);

        Assert.Equal(6, round.Count);
        Assert.Equal(6, round.Select(r => (r.Wrapper, r.Slot)).Distinct().Count());
        Assert.Equal(("poml", "green"), round.Where(r => r.IsFailure).Select(r => (r.Wrapper, r.Slot)).Single());
        Assert.Equal(12, (await AllRecords()).Count);
    }

    private static TrafficAggregate Traffic(string wrapper, string slot, DateTimeOffset second, int successes, int errors, double ms)
    {
        var a = new TrafficAggregate(wrapper, slot, second);
        for (var i = 0; i < successes; i++)
        {
            a.Record(OperationStatus.Success, false, 200, ms, second.AddMilliseconds(500));
        }

        for (var i = 0; i < errors; i++)
        {
            a.Record(OperationStatus.Error, false, 500, ms, second.AddMilliseconds(600));
        }

        return a;
    }

    [Fact]
    public async Task A_long_window_counts_its_probes_from_their_hours_after_the_records_are_gone()
    {
        // A probe round every 30 minutes for three days: 144 probes per wrapper and slot.
        for (var i = 0; i < 144; i++)
        {
            await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: true, NullReporter.Instance, default);
            Time.Advance(TimeSpan.FromMinutes(30));
        }

        // From a whole hour: where the records are gone, the hours answer for the buckets that start in the window.
        var now = Time.GetUtcNow();
        var start = now.AddDays(-3).UtcDateTime;
        var since = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var before = await Engine.Health.GetWindowStatsAsync("routellm", "blue", since, now, OperationSource.Probe, default);
        await Engine.Store.Health.PruneAsync(HistoryCutoffs.At(now, new HistoryRetention { Probes = TimeSpan.FromDays(1), ProbeAttempts = TimeSpan.FromDays(1) }), default);
        var records = await Engine.Store.Health.GetAsync(new OperationQuery(since, now) { Wrapper = "routellm", Slot = "blue" }, default);
        var after = await Engine.Health.GetWindowStatsAsync("routellm", "blue", since, now, OperationSource.Probe, default);

        Assert.Equal(144, before.Total);
        Assert.InRange(records.Count, 40, 60);
        Assert.Equal((before.Total, before.Successes, before.Errors), (after.Total, after.Successes, after.Errors));
        Assert.NotNull(after.LastProbe);
        Assert.Equal(before.LastProbe!.StartedAt, after.LastProbe!.StartedAt);
    }

    [Fact]
    public async Task Every_window_combines_probe_records_with_traffic_aggregates()
    {
        await Engine.Health.GetWrapperHealthAsync(null, null, live: true, NullReporter.Instance, default);
        var now = Time.GetUtcNow();
        await Engine.Store.Health.AddTrafficAsync(
        [
            Traffic("routellm", "blue", now.AddSeconds(-10), successes: 100, errors: 5, ms: 0.5),
            Traffic("routellm", "green", now.AddSeconds(-10), successes: 10, errors: 0, ms: 0.5),
            Traffic("routellm", "blue", now.AddHours(-2), successes: 20, errors: 0, ms: 0.5),
        ], default);

        // One probe and 105 requests in the last hour; the old traffic is outside the window.
        var since = now.AddHours(-1);
        var until = now.AddMilliseconds(1);
        var both = await Engine.Health.GetWindowStatsAsync("routellm", "blue", since, until, null, default);
        var traffic = await Engine.Health.GetWindowStatsAsync("routellm", "blue", since, until, OperationSource.Traffic, default);
        var probes = await Engine.Health.GetWindowStatsAsync("routellm", "blue", since, until, OperationSource.Probe, default);
        Assert.Equal((106, 101, 5), (both.Total, both.Successes, both.Errors));
        Assert.Equal((105, 100, 5, 0.5), (traffic.Total, traffic.Successes, traffic.Errors, traffic.AverageMs!.Value));
        Assert.Equal((1, 1, 0), (probes.Total, probes.Successes, probes.Errors));
        Assert.NotNull(both.LastProbe);
        Assert.True(both.LastActivity >= now, $"{both.LastActivity}: the probe ended last");
        Assert.Equal(now.AddSeconds(-10).AddMilliseconds(600), traffic.LastActivity);
        Assert.Equal(3 + 105, (await Engine.Health.GetWindowStatsAsync(null, "blue", since, until, null, default)).Total);

        var health = Assert.Single(await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: false, NullReporter.Instance, default));
        Assert.Equal((106, 5), (health.TotalOperations, health.ErrorCount));
        Assert.Equal(Math.Round(100.0 * 5 / 106, 2), health.ErrorRate);

        var system = await Engine.Health.GetSystemHealthAsync(live: false, NullReporter.Instance, default);
        Assert.Equal((108, 5), (system.TotalOperations, system.ErrorCount));
        Assert.Equal(108 / 5.0, system.OperationsPerMinute);

        var metrics = await Engine.Health.GetMetricsAsync("routellm", "blue", 3, default);
        Assert.Equal([20, 0, 106], metrics.Select(m => m.TotalOperations));
        Assert.Equal(5, metrics[2].ErrorCount);

        var series = await Engine.Health.GetSeriesAsync("routellm", "blue", now.AddMinutes(-1), TimeSpan.FromSeconds(30), default);
        Assert.Equal([0, 105, 1], series.Select(p => p.TotalOperations));
        Assert.InRange(series[1].P50Ms!.Value, 0.5 * (1 - LatencyHistogram.MaxRelativeError), 0.5 * (1 + LatencyHistogram.MaxRelativeError));
    }
}
