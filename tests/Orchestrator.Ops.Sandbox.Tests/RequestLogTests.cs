using System.Net;
using System.Text.RegularExpressions;

namespace Orchestrator.Ops.Sandbox.Tests;

public partial class RequestLogTests
{
    [GeneratedRegex(@"^(?<ts>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z) \[(?<level>INF|ERR)\] (?<wrapper>\S+) (?<slot>\S+) (?<method>[A-Z]+) (?<path>/\S*) (?<status>\d{3}) (?<ms>\d+)ms fallback=(?<fallback>true|false)$")]
    private static partial Regex LinePattern();

    [Fact]
    public async Task Every_instance_request_is_logged_in_the_documented_format()
    {
        using var root = new TempDir();
        var fleet = await SandboxFleet.StartAsync(new SandboxOptions { Root = root.Path, Seed = 5 });
        await using (fleet)
        {
            await fleet.UpdateAsync("*", "*", s => s with { LatencyMs = 0, LatencyJitterMs = 0 });
            await fleet.UpdateAsync("poml", "green", s => s with { ErrorRate = 1 });
            await fleet.UpdateAsync("routellm", "blue", s => s with { FallbackRate = 1, LatencyMs = 60 });
            using var client = TestSupport.NewClient();

            Assert.Equal(HttpStatusCode.OK, (await client.GetAsync(fleet.Instance("poml", "blue").BaseUrl + "/health")).StatusCode);
            Assert.Equal(HttpStatusCode.InternalServerError, (await client.PostJsonAsync(fleet.Instance("poml", "green").BaseUrl + "/v1/operation", "{}")).StatusCode);
            Assert.Equal(HttpStatusCode.OK, (await client.PostJsonAsync(fleet.Instance("routellm", "blue").BaseUrl + "/v1/operation", "{}")).StatusCode);
        }

        // Disposal drains the background writer, so the file is complete now.
        Assert.Equal(Path.Combine(root.Path, "logs", "sandbox-requests.log"), fleet.RequestLogPath);
        var lines = await File.ReadAllLinesAsync(Path.Combine(root.Path, "logs", "sandbox-requests.log"));
        Assert.Equal(3, lines.Length);
        var parsed = lines.Select(l =>
        {
            var m = LinePattern().Match(l);
            Assert.True(m.Success, $"line does not match the format: '{l}'");
            Assert.True(DateTime.TryParse(m.Groups["ts"].Value, System.Globalization.CultureInfo.InvariantCulture,
                System.Globalization.DateTimeStyles.AdjustToUniversal, out _));
            return m;
        }).ToList();

        var health = parsed.Single(m => m.Groups["path"].Value == "/health");
        Assert.Equal(("INF", "poml", "blue", "GET", "200", "false"),
            (health.Groups["level"].Value, health.Groups["wrapper"].Value, health.Groups["slot"].Value, health.Groups["method"].Value, health.Groups["status"].Value, health.Groups["fallback"].Value));

        var failure = parsed.Single(m => m.Groups["status"].Value == "500");
        Assert.Equal(("ERR", "poml", "green", "POST", "/v1/operation"),
            (failure.Groups["level"].Value, failure.Groups["wrapper"].Value, failure.Groups["slot"].Value, failure.Groups["method"].Value, failure.Groups["path"].Value));

        var fallback = parsed.Single(m => m.Groups["fallback"].Value == "true");
        Assert.Equal(("INF", "routellm", "blue", "200"),
            (fallback.Groups["level"].Value, fallback.Groups["wrapper"].Value, fallback.Groups["slot"].Value, fallback.Groups["status"].Value));
        Assert.True(int.Parse(fallback.Groups["ms"].Value, System.Globalization.CultureInfo.InvariantCulture) >= 40);
    }

    [Fact]
    public async Task Concurrent_requests_produce_one_whole_line_each_and_the_log_appends_across_runs()
    {
        using var root = new TempDir();
        for (var run = 0; run < 2; run++)
        {
            await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions { Root = root.Path });
            await fleet.UpdateAsync("*", "*", s => s with { LatencyMs = 1, LatencyJitterMs = 1 });
            using var client = TestSupport.NewClient();
            var responses = await Task.WhenAll(Enumerable.Range(0, 60)
                .Select(i => client.GetAsync(fleet.Instances[i % 6].BaseUrl + (i % 2 == 0 ? "/health" : "/v1/operation"))));
            Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        }

        var lines = await File.ReadAllLinesAsync(Path.Combine(root.Path, "logs", "sandbox-requests.log"));
        Assert.Equal(120, lines.Length);
        Assert.All(lines, l => Assert.Matches(LinePattern(), l));
    }

    [Fact]
    public async Task Log_lines_appear_while_the_fleet_is_running()
    {
        using var root = new TempDir();
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions { Root = root.Path });
        using var client = TestSupport.NewClient();
        (await client.GetAsync(fleet.Instances[0].BaseUrl + "/health")).EnsureSuccessStatusCode();

        // The writer flushes as soon as its queue runs empty; poll the file with a bounded deadline.
        var path = fleet.RequestLogPath!;
        var deadline = DateTime.UtcNow + TestSupport.Bound;
        string[] lines = [];
        while (DateTime.UtcNow < deadline)
        {
            using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete))
            using (var reader = new StreamReader(stream))
            {
                lines = (await reader.ReadToEndAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
            }

            if (lines.Length > 0)
            {
                break;
            }

            await Task.Delay(20);
        }

        Assert.Single(lines);
        Assert.Matches(LinePattern(), lines[0]);
    }

    [Fact]
    public void Format_uses_err_for_5xx_and_rounds_elapsed()
    {
        var ts = new DateTimeOffset(2025, 3, 4, 5, 6, 7, 890, TimeSpan.FromHours(2));
        Assert.Equal("2025-03-04T03:06:07.890Z [ERR] poml green POST /v1/operation 503 13ms fallback=false",
            RequestLog.Format(ts, "poml", "green", "POST", "/v1/operation", 503, 12.6, false));
        Assert.Equal("2025-03-04T03:06:07.890Z [INF] routellm blue GET /health 200 0ms fallback=true",
            RequestLog.Format(ts, "routellm", "blue", "GET", "/health", 200, 0.2, true));
    }
}
