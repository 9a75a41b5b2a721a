using System.Net;
using Orchestrator.Ops.Service.Dashboard;
using Orchestrator.Ops.Service.Tests.Support;

namespace Orchestrator.Ops.Service.Tests;

/// <summary>The dashboard's page and its endpoints, in process over the sandbox fleet.</summary>
[Collection("service")]
public sealed class DashboardEndpointTests(FleetFixture fleet) : IAsyncLifetime
{
    private TestService _service = null!;

    public async Task InitializeAsync()
    {
        await fleet.ResetAsync();
        _service = await TestService.StartAsync(fleet, """
            ,
              "healthChecks": { "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }
            """);
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Theory]
    [InlineData("/", "text/html")]
    [InlineData("/dashboard/app.js", "text/javascript")]
    [InlineData("/dashboard/app.css", "text/css")]
    [InlineData("/dashboard/favicon.svg", "image/svg+xml")]
    public async Task The_page_and_its_assets_load_without_the_key_under_a_strict_policy_and_carry_no_fleet_data(string path, string type)
    {
        using var response = await _service.GetAsync(path, key: null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(type, response.Content.Headers.ContentType?.MediaType);
        var csp = Assert.Single(response.Headers.GetValues("Content-Security-Policy"));
        Assert.StartsWith("default-src 'self';", csp);
        Assert.DoesNotContain("unsafe-inline", csp);
        Assert.Equal("nosniff", Assert.Single(response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", Assert.Single(response.Headers.GetValues("Referrer-Policy")));
        var body = await response.Content.ReadAsStringAsync();
        Assert.DoesNotContain("routellm", body);
        Assert.DoesNotContain(_service.ApiKey, body);
        if (type == "text/html")
        {
            Assert.DoesNotMatch("<script>|<script [^>]*>[^<]|<style|style=| on[a-z]+=", body);
        }
    }

    [Fact]
    public async Task Unknown_assets_are_404_and_the_data_endpoints_need_the_key()
    {
        using (var missing = await _service.GetAsync("/dashboard/secrets.json", key: null))
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        }

        foreach (var path in new[] { "/api/dashboard/config", "/api/logs/tail", "/api/wrappers/routellm/series" })
        {
            using var response = await _service.GetAsync(path, key: null);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }
    }

    [Fact]
    public async Task The_config_gives_the_interval_and_a_refresh_of_at_most_five_seconds()
    {
        var data = (await _service.GetJsonAsync("/api/dashboard/config")).GetProperty("data");

        Assert.Equal(30, data.GetProperty("health_check_interval_seconds").GetDouble());
        Assert.Equal(5, data.GetProperty("refresh_seconds").GetDouble());
        Assert.Equal((60, 60), (data.GetProperty("chart_minutes").GetInt32(), data.GetProperty("chart_step_seconds").GetInt32()));
    }

    [Fact]
    public async Task A_series_has_one_point_per_step_ending_with_the_probe_just_made()
    {
        await _service.GetJsonAsync("/api/wrappers/health");

        var body = await _service.GetJsonAsync("/api/wrappers/routellm/series?minutes=10&step=60");

        Shape.Fields(body, "success", "data", "wrapper_name", "slot", "minutes", "step_seconds", "timestamp");
        Assert.Equal(("routellm", "blue"), (body.GetProperty("wrapper_name").GetString(), body.GetProperty("slot").GetString()));
        var points = body.GetProperty("data").EnumerateArray().ToList();
        Assert.Equal(11, points.Count);
        Shape.Fields(points[0], "timestamp", "total_operations", "success_rate", "p50_ms", "p95_ms", "p99_ms");
        Assert.Equal("2026-11-27T10:05:00Z", points[0].GetProperty("timestamp").GetString());
        Assert.Equal((1, 1.0), (points[^1].GetProperty("total_operations").GetInt32(), points[^1].GetProperty("success_rate").GetDouble()));
        Assert.Equal(0, points[0].GetProperty("total_operations").GetInt32());
    }

    [Theory]
    [InlineData("/api/wrappers/routellm/series?step=0", 400)]
    [InlineData("/api/wrappers/routellm/series?minutes=1441", 400)]
    [InlineData("/api/wrappers/routellm/series?minutes=1440&step=1", 400)]
    [InlineData("/api/wrappers/nope/series", 404)]
    [InlineData("/api/logs/tail?log=../service/api-key", 400)]
    [InlineData("/api/logs/tail?log=application.log", 400)]
    [InlineData("/api/logs/tail?lines=1001", 400)]
    [InlineData("/api/logs/tail?lines=0", 400)]
    public async Task Bad_arguments_are_refused_with_a_message(string path, int status)
    {
        var body = await _service.GetJsonAsync(path, status);
        Assert.False(body.GetProperty("success").GetBoolean());
        Assert.NotEmpty(body.GetProperty("error").GetString()!);
    }

    [Fact]
    public async Task The_log_tail_gives_the_last_lines_of_the_named_log_and_nothing_for_a_missing_one()
    {
        await _service.GetJsonAsync("/api/wrappers/health");

        var body = await _service.GetJsonAsync("/api/logs/tail?log=monitoring&lines=2");
        var expected = _service.LogLines("monitoring.log").TakeLast(2).Select(l => l.TrimEnd('\r'));
        Assert.Equal(expected, body.GetProperty("data").EnumerateArray().Select(l => l.GetString()));
        Assert.Equal("monitoring", body.GetProperty("log").GetString());

        var access = await _service.GetJsonAsync("/api/logs/tail?log=access");
        Assert.Empty(access.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task The_tail_reader_crosses_chunks_handles_a_missing_final_newline_and_drops_a_cut_line()
    {
        using var dir = new TempFolder();
        var lines = Enumerable.Range(1, 3000).Select(i => $"line {i} " + new string('x', 90)).ToList();
        var path = dir.Write("a.log", string.Join("\n", lines) + "\n");
        Assert.Equal(lines.TakeLast(1000), await LogTail.ReadAsync(path, 1000, default));
        Assert.Equal(lines, await LogTail.ReadAsync(path, 5000, default));

        var bare = dir.Write("b.log", "one\r\ntwo\r\nthree");
        Assert.Equal(["two", "three"], await LogTail.ReadAsync(bare, 2, default));
        Assert.Empty(await LogTail.ReadAsync(dir.Write("c.log", string.Empty), 10, default));
        Assert.Empty(await LogTail.ReadAsync(dir.File("missing.log"), 10, default));

        // 1000 lines of 5 KB are more than one request reads: fewer lines, each of them whole.
        var wide = Enumerable.Range(1, 1000).Select(i => $"{i:D4}" + new string('y', 5000)).ToList();
        var big = dir.Write("d.log", string.Join("\n", wide) + "\n");
        var got = await LogTail.ReadAsync(big, 1000, default);
        Assert.InRange(got.Count, 300, 999);
        Assert.Equal(wide.TakeLast(got.Count), got);
    }
}
