using System.Diagnostics;
using Xunit.Abstractions;

namespace Orchestrator.Ops.Sandbox.Tests;

public class StartupTests(ITestOutputHelper output)
{
    [Fact]
    public async Task All_listeners_start_quickly_and_stop_quickly()
    {
        // Warm up JIT once so the measurement reflects the listeners, not first-call compilation.
        await (await SandboxFleet.StartAsync(new SandboxOptions { BenchEndpoints = 1 })).DisposeAsync();

        var sw = Stopwatch.StartNew();
        var fleet = await SandboxFleet.StartAsync(new SandboxOptions { BenchEndpoints = 10 });
        var started = sw.Elapsed;
        sw.Restart();
        await fleet.DisposeAsync();
        var stopped = sw.Elapsed;
        output.WriteLine($"start {started.TotalMilliseconds:0} ms, stop {stopped.TotalMilliseconds:0} ms");

        // Typically tens of milliseconds; the bound is generous for a loaded 2-core machine.
        Assert.True(started < TimeSpan.FromSeconds(3), $"start took {started.TotalMilliseconds} ms");
        Assert.True(stopped < TimeSpan.FromSeconds(3), $"stop took {stopped.TotalMilliseconds} ms");
        Assert.True(fleet.Completion.IsCompletedSuccessfully);
    }

    [Fact]
    public void Wrappers_beyond_the_three_repeat_their_kinds_with_a_number()
    {
        var wrappers = SandboxFleet.WrappersFor(7);

        Assert.Equal(
            [("routellm", "routellm"), ("poml", "poml"), ("external-tools", "external-tool"), ("routellm-4", "routellm"),
             ("poml-5", "poml"), ("external-tools-6", "external-tool"), ("routellm-7", "routellm")],
            wrappers);
        Assert.Equal(SandboxOptions.MaxWrappers, SandboxFleet.WrappersFor(SandboxOptions.MaxWrappers).Select(w => w.Wrapper).Distinct().Count());
        Assert.Throws<ArgumentOutOfRangeException>(() => SandboxFleet.WrappersFor(0));
    }

    [Fact]
    public async Task A_fleet_of_a_hundred_wrappers_serves_every_instance_on_its_own_port()
    {
        await using var fleet = await SandboxFleet.StartAsync(new SandboxOptions { Wrappers = 100 });
        using var client = TestSupport.NewClient();

        Assert.Equal(200, fleet.Instances.Count);
        Assert.Equal(200, fleet.Instances.Select(i => i.Port).Distinct().Count());
        Assert.Equal(100, fleet.Instances.Select(i => i.Wrapper).Distinct().Count());
        var answers = await Task.WhenAll(fleet.Instances.Select(async i => (int)(await client.GetAsync(i.BaseUrl + "/health")).StatusCode));
        Assert.All(answers, code => Assert.Equal(200, code));
    }
}
