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
}
