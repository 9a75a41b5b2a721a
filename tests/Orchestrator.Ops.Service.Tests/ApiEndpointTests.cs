using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

[Collection("service")]
public sealed class ApiEndpointTests(FleetFixture fleet) : IAsyncLifetime
{
    private const string Checks = """
        ,
          "healthChecks": { "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }
        """;

    private TestService _svc = null!;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _svc = await TestService.StartAsync(fleet, Checks);
    }

    public async Task DisposeAsync() => await _svc.DisposeAsync();

    [Fact]
    public async Task Health_is_open_and_carries_no_fleet_data()
    {
        var before = Requests();
        using var response = await _svc.GetAsync("/health", key: null);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Shape.Fields(body, "status", "timestamp", "version");
        Assert.Equal("healthy", body.GetProperty("status").GetString());
        Assert.Equal("2026-11-27T10:15:00Z", body.GetProperty("timestamp").GetString());
        Assert.Equal("0.1.0", body.GetProperty("version").GetString());
        Assert.Equal(before, Requests());
    }

    private long Requests() => fleet.Fleet.Instances.Sum(i => fleet.Fleet.GetRequestCount(i.Wrapper, i.Slot));

    [Fact]
    public async Task System_health_has_the_runbook_fields_as_fractions()
    {
        var body = await _svc.GetJsonAsync("/api/system/health");

        Shape.Fields(body, "success", "data", "timestamp");
        Assert.True(body.GetProperty("success").GetBoolean());
        var d = body.GetProperty("data");
        Shape.Fields(d, "overall_health_score", "system_status", "active_wrappers", "healthy_wrappers", "unhealthy_wrappers",
            "health_percentage", "total_operations", "active_operations", "overall_success_rate", "error_count",
            "operations_per_minute", "last_health_check");
        Assert.Equal(1.0, d.GetProperty("overall_health_score").GetDouble());
        Assert.Equal("Healthy", d.GetProperty("system_status").GetString());
        Assert.Equal(3, d.GetProperty("active_wrappers").GetInt32());
        Assert.Equal(3, d.GetProperty("healthy_wrappers").GetInt32());
        Assert.Equal(0, d.GetProperty("unhealthy_wrappers").GetInt32());
        Assert.Equal(100, d.GetProperty("health_percentage").GetDouble());
        Assert.Equal(3, d.GetProperty("total_operations").GetInt32());
        Assert.Equal(0, d.GetProperty("active_operations").GetInt32());
        Assert.Equal(1.0, d.GetProperty("overall_success_rate").GetDouble());
        Assert.Equal(0, d.GetProperty("error_count").GetInt32());
        Assert.Equal(0.6, d.GetProperty("operations_per_minute").GetDouble());
        Assert.Equal("2026-11-27T10:15:00Z", d.GetProperty("last_health_check").GetString());
        Shape.UtcTimestamp(body.GetProperty("timestamp"));
    }

    [Fact]
    public async Task Wrapper_health_covers_the_active_slot_and_shows_a_failing_wrapper_as_fractions()
    {
        await fleet.Fleet.UpdateAsync("poml", "blue", s => s with { ErrorRate = 1 });
        JsonElement body = default;
        for (var i = 0; i < 3; i++)
        {
            body = await _svc.GetJsonAsync("/api/wrappers/health");
            _svc.Time.Advance(TimeSpan.FromSeconds(30));
        }

        Shape.Fields(body, "success", "data", "slot", "timestamp");
        Assert.Equal("blue", body.GetProperty("slot").GetString());
        var data = body.GetProperty("data");
        Assert.Equal(["external-tools", "poml", "routellm"], data.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        foreach (var w in data.EnumerateObject())
        {
            Shape.Fields(w.Value, "health_score", "status", "last_activity", "success_rate", "error_rate", "fallback_rate",
                "total_operations", "p50_ms", "p95_ms", "p99_ms", "slot");
            Assert.Equal("blue", w.Value.GetProperty("slot").GetString());
            Assert.Equal(3, w.Value.GetProperty("total_operations").GetInt32());
            Shape.UtcTimestamp(w.Value.GetProperty("last_activity"));
            // Durations are measured on the fake clock, so they are 0 here; what matters is that they are numbers.
            Assert.Equal(JsonValueKind.Number, w.Value.GetProperty("p95_ms").ValueKind);
        }

        var poml = data.GetProperty("poml");
        Assert.Equal(1.0, poml.GetProperty("error_rate").GetDouble());
        Assert.Equal(0.0, poml.GetProperty("success_rate").GetDouble());
        Assert.Equal(0.0, poml.GetProperty("health_score").GetDouble());
        Assert.Equal("Critical", poml.GetProperty("status").GetString());
        var routellm = data.GetProperty("routellm");
        Assert.Equal(1.0, routellm.GetProperty("success_rate").GetDouble());
        Assert.Equal(0.0, routellm.GetProperty("error_rate").GetDouble());
        Assert.Equal("Healthy", routellm.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Deployment_slots_show_which_slot_is_active_with_each_wrappers_version_and_health()
    {
        var body = await _svc.GetJsonAsync("/api/deployment/slots");

        Shape.Fields(body, "success", "data", "active_slot", "timestamp");
        Assert.Equal("blue", body.GetProperty("active_slot").GetString());
        var slots = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(["blue", "green"], slots.Select(s => s.GetProperty("name").GetString()));
        Assert.Equal([true, false], slots.Select(s => s.GetProperty("active").GetBoolean()));
        var green = slots[1].GetProperty("wrappers").EnumerateArray().ToList();
        Assert.Equal(3, green.Count);
        Shape.Fields(green[0], "name", "url", "version", "status", "health_score", "last_check");
        Assert.All(green, w => Assert.Equal("1.1.0", w.GetProperty("version").GetString()));
        Assert.All(slots[0].GetProperty("wrappers").EnumerateArray(), w => Assert.Equal("1.0.0", w.GetProperty("version").GetString()));

        using var unauthorized = await _svc.GetAsync("/api/deployment/slots", key: null);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    [Fact]
    public async Task Deployment_history_and_rollback_points_are_listed_without_file_contents()
    {
        var engine = _svc.Engine;
        var point = await engine.Deployment.CreateRollbackPointAsync("api test", stable: true, "manual", NullReporter.Instance, default);
        var sw = await engine.Deployment.SwitchAsync("green", new SwitchOptions { AnalysisDuration = TimeSpan.Zero, SkipHealthGate = true }, NullReporter.Instance, default);

        var history = await _svc.GetJsonAsync("/api/deployment/history?limit=5");
        Shape.Fields(history, "success", "data", "lock_holder", "timestamp");
        var op = Assert.Single(history.GetProperty("data").EnumerateArray());
        Assert.Equal((sw.OperationId, "switch", "blue", "green", "Switched"), (op.GetProperty("id").GetInt64(), op.GetProperty("kind").GetString(),
            op.GetProperty("from_slot").GetString(), op.GetProperty("to_slot").GetString(), op.GetProperty("outcome").GetString()));

        var points = await _svc.GetJsonAsync("/api/deployment/rollback-points?stable=true");
        var listed = points.GetProperty("data").EnumerateArray().ToList();
        Assert.Contains(listed, p => p.GetProperty("id").GetInt64() == point.Id && p.GetProperty("active_slot").GetString() == "blue");
        var file = listed.First(p => p.GetProperty("id").GetInt64() == point.Id).GetProperty("files")[0];
        Shape.Fields(file, "path", "sha256", "length");
        Assert.DoesNotContain(File.ReadAllText(_svc.Config.SourcePath)[..20], points.GetRawText(), StringComparison.Ordinal);

        using var bad = await _svc.GetAsync("/api/deployment/history?limit=0");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
    }

    [Fact]
    public async Task Metrics_come_in_hourly_buckets_for_the_requested_hours()
    {
        await _svc.GetJsonAsync("/api/wrappers/health");

        var body = await _svc.GetJsonAsync("/api/wrappers/ROUTELLM/metrics?hours=2");

        Shape.Fields(body, "success", "data", "wrapper_name", "time_range_hours", "timestamp");
        Assert.Equal("routellm", body.GetProperty("wrapper_name").GetString());
        Assert.Equal(2, body.GetProperty("time_range_hours").GetInt32());
        var buckets = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(2, buckets.Count);
        foreach (var b in buckets)
        {
            Shape.Fields(b, "timestamp", "total_operations", "success_count", "error_count", "fallback_count", "success_rate",
                "error_rate", "fallback_rate", "avg_response_time", "p95_response_time");
        }

        Assert.Equal("2026-11-27T09:00:00Z", buckets[0].GetProperty("timestamp").GetString());
        Assert.Equal(0, buckets[0].GetProperty("total_operations").GetInt32());
        Assert.Equal(JsonValueKind.Null, buckets[0].GetProperty("success_rate").ValueKind);
        Assert.Equal("2026-11-27T10:00:00Z", buckets[1].GetProperty("timestamp").GetString());
        Assert.Equal(1, buckets[1].GetProperty("success_count").GetInt32());
        Assert.Equal(1.0, buckets[1].GetProperty("success_rate").GetDouble());
        Assert.Equal(JsonValueKind.Number, buckets[1].GetProperty("avg_response_time").ValueKind);
        Assert.Equal(JsonValueKind.Number, buckets[1].GetProperty("p95_response_time").ValueKind);

        var defaults = await _svc.GetJsonAsync("/api/wrappers/poml/metrics");
        Assert.Equal(24, defaults.GetProperty("time_range_hours").GetInt32());
        Assert.Equal(24, defaults.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("/api/wrappers/routellm/metrics?hours=-1", 400, "hours")]
    [InlineData("/api/wrappers/routellm/metrics?hours=abc", 400, "hours")]
    [InlineData("/api/wrappers/routellm/metrics?hours=0", 400, "hours")]
    [InlineData("/api/wrappers/routellm/metrics?hours=745", 400, "hours")]
    [InlineData("/api/wrappers/nosuch/metrics", 404, "nosuch")]
    [InlineData("/api/metrics/export?format=xml", 400, "xml")]
    [InlineData("/api/metrics/export?hours=abc", 400, "hours")]
    [InlineData("/api/no/such/route", 404, "/api/no/such/route")]
    public async Task Bad_requests_get_the_error_envelope(string path, int status, string mentions)
    {
        var body = await _svc.GetJsonAsync(path, status);
        Shape.Error(body, mentions);
    }

    [Fact]
    public async Task Json_export_lists_the_operation_records_of_the_last_hour()
    {
        await fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { Down = true });
        await _svc.GetJsonAsync("/api/wrappers/health");
        _svc.Time.Advance(TimeSpan.FromMinutes(90));
        await _svc.GetJsonAsync("/api/wrappers/health");

        var body = await _svc.GetJsonAsync("/api/metrics/export?format=json");

        Shape.Fields(body, "success", "data", "export_format", "timestamp");
        Assert.Equal("json", body.GetProperty("export_format").GetString());
        var records = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(3, records.Count);
        foreach (var r in records)
        {
            Shape.Fields(r, "id", "wrapper_name", "slot", "source", "operation_type", "start_time", "end_time", "duration_ms", "status",
                "status_code", "error_message", "error_code", "fallback_used", "fallback_reason", "attempts", "version");
            Assert.Equal("2026-11-27T11:45:00Z", r.GetProperty("start_time").GetString());
            Assert.Equal("probe", r.GetProperty("source").GetString());
        }

        var down = records.Single(r => r.GetProperty("wrapper_name").GetString() == "routellm");
        Assert.Equal("error", down.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(down.GetProperty("error_message").GetString()));
        Assert.Equal("success", records.Single(r => r.GetProperty("wrapper_name").GetString() == "poml").GetProperty("status").GetString());

        var twoHours = await _svc.GetJsonAsync("/api/metrics/export?hours=2");
        Assert.Equal(6, twoHours.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Prometheus_export_is_valid_text_exposition()
    {
        await fleet.Fleet.UpdateAsync("poml", "green", s => s with { ErrorRate = 1 });
        await _svc.GetAsync("/api/system/health", key: "wrong");

        using var response = await _svc.GetAsync("/api/metrics/export?format=prometheus");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType!.MediaType);
        Assert.Contains(response.Content.Headers.ContentType.Parameters, p => p.Name == "version" && p.Value == "0.0.4");
        var text = await response.Content.ReadAsStringAsync();

        var sample = new Regex("""^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (\S+)$""");
        var values = new Dictionary<string, double>();
        var typed = new HashSet<string>();
        foreach (var line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                typed.Add(line.Split(' ')[2]);
                continue;
            }

            if (line.StartsWith('#'))
            {
                Assert.StartsWith("# HELP ", line);
                continue;
            }

            var m = sample.Match(line);
            Assert.True(m.Success, line);
            Assert.Contains(m.Groups[1].Value, typed);
            values[m.Groups[1].Value + m.Groups[2].Value] = double.Parse(m.Groups[3].Value, CultureInfo.InvariantCulture);
        }

        Assert.Equal(1.0, values["""orchestrator_wrapper_health_score{wrapper="routellm",slot="blue"}"""]);
        Assert.Equal(1.0, values["""orchestrator_wrapper_success_rate{wrapper="routellm",slot="green"}"""]);
        Assert.Equal(1.0, values["""orchestrator_wrapper_error_rate{wrapper="poml",slot="green"}"""]);
        Assert.Equal(0.0, values["""orchestrator_wrapper_fallback_rate{wrapper="poml",slot="blue"}"""]);
        Assert.Contains("""orchestrator_wrapper_latency_ms{wrapper="routellm",slot="blue",quantile="0.95"}""", values.Keys);
        Assert.Contains("""orchestrator_wrapper_latency_ms{wrapper="routellm",slot="blue",quantile="0.5"}""", values.Keys);
        Assert.Contains("""orchestrator_wrapper_latency_ms{wrapper="routellm",slot="blue",quantile="0.99"}""", values.Keys);
        Assert.Equal(1.0, values["""orchestrator_wrapper_operations_total{wrapper="external-tools",slot="green"}"""]);
        Assert.Equal(0.0, values["orchestrator_active_operations"]);
        Assert.Equal(1.0, values["orchestrator_auth_failures_total"]);
    }

    [Fact]
    public async Task A_locked_store_answers_503_with_the_envelope_and_the_service_recovers()
    {
        await _svc.DisposeAsync();
        _svc = await TestService.StartAsync(fleet, Checks + """
            ,
              "store": { "busyTimeoutMs": 200 }
            """);

        await using (var holder = await _svc.LockStoreAsync())
        {
            var body = await _svc.GetJsonAsync("/api/system/health", 503);
            Shape.Error(body, "locked");
            Assert.DoesNotContain("   at ", body.GetProperty("error").GetString());
        }

        var ok = await _svc.GetJsonAsync("/api/system/health");
        Assert.Equal(3, ok.GetProperty("data").GetProperty("total_operations").GetInt32());
    }

    [Fact]
    public async Task Slot_and_detail_parameters_add_the_module_fields_and_leave_the_runbook_shapes_alone()
    {
        await fleet.Fleet.UpdateAsync("poml", "green", s => s with { ErrorRate = 1 });
        var green = await _svc.GetJsonAsync("/api/wrappers/health?slot=GREEN");
        Shape.Fields(green, "success", "data", "slot", "timestamp");
        Assert.Equal("green", green.GetProperty("slot").GetString());
        foreach (var w in green.GetProperty("data").EnumerateObject())
        {
            Shape.Fields(w.Value, "health_score", "status", "last_activity", "success_rate", "error_rate", "fallback_rate",
                "total_operations", "p50_ms", "p95_ms", "p99_ms", "slot");
            Assert.Equal("green", w.Value.GetProperty("slot").GetString());
        }

        Assert.Equal(1.0, green.GetProperty("data").GetProperty("poml").GetProperty("error_rate").GetDouble());

        var all = await _svc.GetJsonAsync("/api/wrappers/health?slot=all");
        Assert.Equal("all", all.GetProperty("slot").GetString());
        var list = all.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(6, list.Count);
        Shape.Fields(list[0], "name", "slot", "active", "status", "message", "kind", "url", "version", "health_score", "success_rate",
            "error_rate", "fallback_rate", "total_operations", "error_count", "fallback_count", "p50_ms", "p95_ms", "p99_ms", "average_ms",
            "last_activity", "last_check", "last_probe_attempts", "consecutive_probe_failures", "window_minutes");
        var pomlGreen = list.Single(w => w.GetProperty("name").GetString() == "poml" && w.GetProperty("slot").GetString() == "green");
        Assert.False(pomlGreen.GetProperty("active").GetBoolean());
        Assert.Equal("Poml", pomlGreen.GetProperty("kind").GetString());
        Assert.Equal(1, pomlGreen.GetProperty("error_count").GetInt32());
        Assert.True(list.Single(w => w.GetProperty("name").GetString() == "poml" && w.GetProperty("slot").GetString() == "blue").GetProperty("active").GetBoolean());

        var activeDetail = await _svc.GetJsonAsync("/api/wrappers/health?detail=true");
        Assert.Equal("blue", activeDetail.GetProperty("slot").GetString());
        Assert.All(activeDetail.GetProperty("data").EnumerateArray(), w => Assert.Equal("blue", w.GetProperty("slot").GetString()));

        var system = (await _svc.GetJsonAsync("/api/system/health?detail=true")).GetProperty("data");
        Assert.Equal("blue", system.GetProperty("active_slot").GetString());
        Assert.Equal(3, system.GetProperty("wrappers").GetArrayLength());

        var metrics = await _svc.GetJsonAsync("/api/wrappers/poml/metrics?hours=1&slot=green");
        Shape.Fields(metrics, "success", "data", "wrapper_name", "time_range_hours", "slot", "timestamp");
        Assert.Equal("green", metrics.GetProperty("slot").GetString());
        Assert.Equal(1, metrics.GetProperty("data")[0].GetProperty("error_count").GetInt32());

        Shape.Error(await _svc.GetJsonAsync("/api/wrappers/health?slot=purple", 400), "purple");
        Shape.Error(await _svc.GetJsonAsync("/api/wrappers/poml/metrics?slot=purple", 400), "purple");
        Shape.Error(await _svc.GetJsonAsync("/api/alerts?limit=0", 400), "limit");
        Shape.Error(await _svc.GetJsonAsync("/api/alerts?id=x", 400), "id");
    }
}
