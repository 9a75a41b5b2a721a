using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Health;

/// <summary>The dashboard's time series: fixed steps over real probes of the sandbox fleet, on a fake clock.</summary>
[Collection("fleet")]
public sealed class HealthSeriesTests(FleetFixture fleet) : FleetEngineTest(fleet, """{ "retries": 0, "retryDelayMs": 0, "minimumSamples": 1 }"""), IClassFixture<FleetFixture>
{
    [Fact]
    public async Task Steps_start_on_step_boundaries_keep_empty_steps_and_follow_success_and_failure()
    {
        await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: true, NullReporter.Instance, default);
        await Engine.Health.GetWrapperHealthAsync(["routellm"], "green", live: true, NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromSeconds(90));
        await Fleet.Fleet.UpdateAsync("routellm", "blue", s => s with { ErrorRate = 1 });
        await Engine.Health.GetWrapperHealthAsync(["routellm"], "blue", live: true, NullReporter.Instance, default);
        Time.Advance(TimeSpan.FromSeconds(30));

        var series = await Engine.Health.GetSeriesAsync("routellm", "blue", Time.GetUtcNow().AddSeconds(-150), TimeSpan.FromMinutes(1), default);

        Assert.Equal(
            [new DateTimeOffset(2026, 11, 27, 10, 14, 0, TimeSpan.Zero), new(2026, 11, 27, 10, 15, 0, TimeSpan.Zero),
             new(2026, 11, 27, 10, 16, 0, TimeSpan.Zero), new(2026, 11, 27, 10, 17, 0, TimeSpan.Zero)],
            series.Select(p => p.Timestamp));
        Assert.Equal((0, null, null), (series[0].TotalOperations, series[0].SuccessRate, series[0].P50Ms));
        Assert.Equal((1, 100d), (series[1].TotalOperations, series[1].SuccessRate!.Value));
        Assert.NotNull(series[1].P50Ms);
        Assert.True(series[1].P50Ms <= series[1].P95Ms && series[1].P95Ms <= series[1].P99Ms);
        Assert.Equal((1, 0d), (series[2].TotalOperations, series[2].SuccessRate!.Value));
        Assert.Equal(0, series[3].TotalOperations);
    }

    [Fact]
    public async Task A_start_in_the_future_gives_no_points_and_a_step_under_a_second_is_refused()
    {
        Assert.Empty(await Engine.Health.GetSeriesAsync("routellm", "blue", Time.GetUtcNow().AddMinutes(1), TimeSpan.FromMinutes(1), default));
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            Engine.Health.GetSeriesAsync("routellm", "blue", Time.GetUtcNow().AddMinutes(-1), TimeSpan.Zero, default));
    }
}
