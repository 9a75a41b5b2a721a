using System.Net;

namespace Orchestrator.Ops.Sandbox.Tests;

public class BenchEndpointTests
{
    [Fact]
    public async Task Fast_endpoints_answer_while_hundreds_of_hanging_ones_wait_and_shutdown_is_prompt()
    {
        const int total = 400;
        const int hanging = 300;
        var fleet = await SandboxFleet.StartAsync(new SandboxOptions { BenchEndpoints = total, BenchHang = hanging });
        try
        {
            Assert.NotNull(fleet.BenchBaseUrl);
            Assert.DoesNotContain(fleet.BenchBaseUrl, fleet.Instances.Select(i => i.BaseUrl).Append(fleet.ControlUrl));
            using var client = TestSupport.NewClient(TimeSpan.FromMinutes(5));

            var hangs = Enumerable.Range(0, hanging).Select(i => client.GetAsync($"{fleet.BenchBaseUrl}/e/{i}/health")).ToList();
            var fast = await Task.WhenAll(Enumerable.Range(hanging, total - hanging)
                .Select(i => client.GetAsync($"{fleet.BenchBaseUrl}/e/{i}/health")))
                .WithinAsync(TimeSpan.FromSeconds(30), "fast bench endpoints");

            foreach (var response in fast)
            {
                Assert.Equal(HttpStatusCode.OK, response.StatusCode);
                var json = await response.ReadJsonAsync();
                Assert.Equal("healthy", json.GetProperty("status").GetString());
                Assert.Equal("bench", json.GetProperty("version").GetString());
                response.Dispose();
            }

            Assert.All(hangs, h => Assert.False(h.IsCompleted));

            using var notFound = await client.GetAsync($"{fleet.BenchBaseUrl}/e/{total}/health");
            Assert.Equal(HttpStatusCode.NotFound, notFound.StatusCode);

            var elapsed = await TestSupport.TimeAsync(() => fleet.DisposeAsync().AsTask().WithinAsync(TestSupport.Bound, "shutdown with hanging bench requests"));
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"shutdown took {elapsed.TotalMilliseconds} ms");
            foreach (var hang in hangs)
            {
                await Assert.ThrowsAsync<HttpRequestException>(() => hang.WithinAsync(TestSupport.Bound, "hanging bench request"));
            }
        }
        finally
        {
            await fleet.DisposeAsync();
        }
    }

    [Fact]
    public async Task Hanging_bench_endpoint_times_out_on_the_client()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions { BenchEndpoints = 2, BenchHang = 1 });
        using var client = TestSupport.NewClient(TimeSpan.FromMilliseconds(500));

        await Assert.ThrowsAsync<TaskCanceledException>(() => client.GetAsync($"{fleet.BenchBaseUrl}/e/0/health"));
        using var ok = await client.GetAsync($"{fleet.BenchBaseUrl}/e/1/health");
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Theory]
    [InlineData("/e/0/health", 0)]
    [InlineData("/e/123/health", 123)]
    [InlineData("/e//health", -1)]
    [InlineData("/e/x/health", -1)]
    [InlineData("/e/-1/health", -1)]
    [InlineData("/e/1/status", -1)]
    [InlineData("/health", -1)]
    public void ParseIndex_accepts_only_the_bench_route(string path, int expected) =>
        Assert.Equal(expected, BenchServer.ParseIndex(path));
}
