using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Host;
using Orchestrator.Ops.Core.Runbooks;

namespace Orchestrator.Ops.Core.Tests.Runbooks;

[Collection("fleet")]
public sealed class TriageTests(FleetFixture fleet) : RunbookTestBase(fleet), IClassFixture<FleetFixture>
{
    [Fact]
    public async Task An_outage_in_the_active_slot_fails_connectivity_and_wrapper_health_and_the_standby_only_warns()
    {
        await Fleet.Fleet.UpdateAsync("poml", "blue", s => s with { Down = true });
        await Fleet.Fleet.UpdateAsync("routellm", "green", s => s with { Down = true });

        var run = await RunAsync(RunbookName.CriticalOutageTriage);

        Assert.Equal(RunbookService.ItemsOf(RunbookName.CriticalOutageTriage), run.Checks.Select(c => c.Item));
        Assert.Equal(Time.GetUtcNow() - TimeSpan.FromHours(1), run.Since);

        var network = Item(run, "Network connectivity");
        Assert.Equal(RunbookStatus.Fail, network.Status);
        Assert.Equal(6, network.Evidence.Count);
        Assert.Equal(RunbookStatus.Fail, Row(network, "poml/blue", "TcpConnectMs").Status);
        Assert.Null(Row(network, "poml/blue", "TcpConnectMs").Value);
        Assert.Contains("ConnectionRefused", Row(network, "poml/blue", "TcpConnectMs").Note);
        Assert.Equal(RunbookStatus.Warn, Row(network, "routellm/green", "TcpConnectMs").Status);
        Assert.Equal(RunbookStatus.Pass, Row(network, "routellm/blue", "TcpConnectMs").Status);
        Assert.IsType<double>(Row(network, "routellm/blue", "TcpConnectMs").Value);
        Assert.Contains("The active slot cannot be reached", network.Detail);

        var health = Item(run, "Wrapper health");
        Assert.Equal(RunbookStatus.Fail, health.Status);
        Assert.Equal(RunbookStatus.Fail, Row(health, "poml/blue", "Health").Status);
        Assert.Contains("the newest probe failed", Row(health, "poml/blue", "Health").Note);
        Assert.Equal(RunbookStatus.Warn, Row(health, "routellm/green", "Health").Status);
        Assert.Equal(RunbookStatus.Pass, Row(health, "external-tools/blue", "Health").Status);
        Assert.Contains("poml/blue (active)", health.Detail);

        var service = Item(run, "Service accessibility");
        Assert.Equal(RunbookStatus.Fail, service.Status);
        Assert.Equal(false, Row(service, "monitoring service", "Running").Value);
        Assert.Contains("gateway routes the traffic", service.Detail);
    }

    [Fact]
    public async Task A_service_that_does_not_route_traffic_only_warns_when_it_is_down()
    {
        await OpenAsync(FastChecks + """
            ,
              "deployment": { "router": "file", "routerFile": "active-slot" }
            """);

        var service = Item(await RunAsync(RunbookName.CriticalOutageTriage), "Service accessibility");

        Assert.Equal(RunbookStatus.Warn, service.Status);
        Assert.Contains("traffic goes through the File router", service.Detail);
    }

    [Fact]
    public async Task Firing_critical_alerts_fail_warnings_and_pending_ones_warn_and_none_passes()
    {
        Assert.Equal(RunbookStatus.Pass, Item(await RunAsync(RunbookName.CriticalOutageTriage), "Alerts to acknowledge").Status);

        var warning = await Engine.Alerts.RaiseEventAsync("slow-drill", AlertSeverity.Warning, "poml", "blue", 1, 0, "a warning", default);
        var warned = Item(await RunAsync(RunbookName.CriticalOutageTriage), "Alerts to acknowledge");
        Assert.Equal(RunbookStatus.Warn, warned.Status);
        Assert.Contains($"Confirm-HealthAlert -Id {warning.Id}", warned.Detail);

        var critical = await Engine.Alerts.RaiseEventAsync("outage", AlertSeverity.Critical, "routellm", "blue", 4, 0, "routellm/blue down", default);
        await Engine.Alerts.AcknowledgeAsync(critical.Id, "oncall@host", default);
        var failed = Item(await RunAsync(RunbookName.CriticalOutageTriage), "Alerts to acknowledge");
        Assert.Equal(RunbookStatus.Fail, failed.Status);
        var row = Row(failed, $"#{critical.Id} outage", "State");
        Assert.Equal("Firing", row.Value);
        Assert.Contains("acknowledged by oncall@host", row.Note);
        Assert.Contains($"Not acknowledged: #{warning.Id};", failed.Detail);
        Assert.Contains("2 alerts firing (1 critical)", failed.Detail);
    }

    [Fact]
    public async Task Resource_use_is_held_to_the_rules_thresholds()
    {
        await OpenAsync(FastChecks + """
            ,
              "alerts": { "rules": [ { "name": "MemoryHigh", "severity": "warning", "metric": "memoryPercent", "threshold": 1 } ] }
            """);

        var resources = Item(await RunAsync(RunbookName.PerformanceDegradation), "Resource use");

        var memory = Row(resources, "Host Memory", "Percent");
        var percent = Assert.IsType<double>(memory.Value);
        Assert.Equal(percent > 95 ? RunbookStatus.Fail : RunbookStatus.Warn, memory.Status);
        Assert.Equal("<= 1", memory.Target);
        Assert.Equal("<= 70", Row(resources, "Host Cpu", "Percent").Target);
        Assert.Null(Row(resources, "Service Cpu", "Percent").Status);
        Assert.Contains("the service is not running", Row(resources, "Service Cpu", "Percent").Note);
        Assert.NotEqual(RunbookStatus.Pass, resources.Status);
        Assert.Contains("Host Memory", resources.Detail);
    }

    [Fact]
    public async Task A_degradation_shows_in_response_times_and_success_rate_and_a_failing_external_tool_fails_its_item()
    {
        await OpenAsync(FastChecks + """
            ,
              "thresholds": { "maxP95Ms": 25, "maxP99Ms": 25, "maxResponseMs": 300 }
            """, systemClock: true);
        await Fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { LatencyMs = 40, LatencyJitterMs = 0 });
        // Far from the mean limit on both sides. The process's first probe round can take a second (JIT, first
        // connections), more on a loaded machine; 12 rounds keep routellm's mean under the limit even so.
        await Fleet.Fleet.UpdateAsync("poml", "blue", s => s with { LatencyMs = 400, LatencyJitterMs = 0 });
        await Fleet.Fleet.UpdateAsync("external-tools", "blue", s => s with { ErrorRate = 1 });
        await ProbeNowAsync(12);

        var run = await RunAsync(RunbookName.PerformanceDegradation);

        var times = Item(run, "Response times");
        Assert.Equal(RunbookStatus.Fail, times.Status);
        Assert.Equal(RunbookStatus.Warn, Row(times, "routellm/blue", "P95Ms").Status);
        // 40 ms of sandbox latency, give or take the millisecond a Task.Delay may end early (see WeeklyMaintenanceTests).
        Assert.True((double)Row(times, "routellm/blue", "P95Ms").Value! >= 39, $"P95 {Row(times, "routellm/blue", "P95Ms").Value}");
        Assert.Equal(RunbookStatus.Pass, Row(times, "routellm/blue", "MeanMs").Status);
        Assert.Equal(RunbookStatus.Fail, Row(times, "poml/blue", "MeanMs").Status);
        Assert.True((double)Row(times, "poml/blue", "MeanMs").Value! > 300);
        Assert.Equal("<= 300", Row(times, "poml/blue", "MeanMs").Target);
        Assert.Contains("routellm/blue, poml/blue", times.Detail);

        var success = Item(run, "Success rate trend");
        Assert.Equal(RunbookStatus.Fail, success.Status);
        Assert.Equal(0.0, Row(success, "external-tools/blue", "SuccessRate").Value);
        Assert.Equal(RunbookStatus.Pass, Row(success, "routellm/blue", "SuccessRate").Status);

        var external = Item(run, "External API issues");
        Assert.Equal(RunbookStatus.Fail, external.Status);
        Assert.Equal(100.0, Row(external, "external-tools/blue", "ErrorRate").Value);
        Assert.Equal("HttpError", Row(external, "external-tools/blue", "NewestProbe").Value);
        Assert.DoesNotContain(external.Evidence, e => e.Subject.StartsWith("routellm", StringComparison.Ordinal));
    }
}
