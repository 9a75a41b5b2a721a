using System.ComponentModel;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.IO;

namespace Orchestrator.Ops.Core.Tests.IO;

/// <summary>The one child-process runner: no shell, bounded output, input and environment, timeout on a given clock.</summary>
public sealed class ChildProcessTests
{
    private static ChildProcessOptions For(TimeSpan timeout) => new() { Timeout = timeout };

    [Fact]
    public async Task Runs_without_a_shell_and_captures_both_streams_and_the_exit_code()
    {
        var r = await ChildProcess.RunAsync(["/bin/sh", "-c", "echo out; echo err >&2; exit 3", "ignored $HOME"], For(TimeSpan.FromSeconds(30)), default);

        Assert.Equal(3, r.ExitCode);
        Assert.False(r.TimedOut);
        Assert.False(r.Succeeded);
        Assert.Contains("out", r.Output, StringComparison.Ordinal);
        Assert.Contains("err", r.Output, StringComparison.Ordinal);
        Assert.Equal("/bin/sh -c echo out; echo err >&2; exit 3 ignored $HOME", r.CommandLine);
    }

    [Fact]
    public async Task Feeds_standard_input_and_adds_to_the_environment()
    {
        var options = new ChildProcessOptions
        {
            Timeout = TimeSpan.FromSeconds(30),
            StandardInput = "from-stdin"u8.ToArray(),
            Environment = new Dictionary<string, string> { ["OPS_CHILD_TEST"] = "from-env" },
        };

        var r = await ChildProcess.RunAsync(["/bin/sh", "-c", "read line; echo \"$line $OPS_CHILD_TEST\""], options, default);

        Assert.True(r.Succeeded);
        Assert.Equal("from-stdin from-env", r.Output);
    }

    [Fact]
    public async Task Keeps_only_the_tail_of_a_long_output()
    {
        var r = await ChildProcess.RunAsync(["/bin/sh", "-c", "i=0; while [ $i -lt 3000 ]; do echo line-$i; i=$((i+1)); done"], For(TimeSpan.FromSeconds(60)), default);

        Assert.True(r.Succeeded);
        Assert.True(r.Output.Length <= ChildProcess.OutputLimit + 1, $"{r.Output.Length} characters kept");
        Assert.StartsWith("…", r.Output, StringComparison.Ordinal);
        Assert.EndsWith("line-2999", r.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kills_the_whole_tree_at_the_timeout_on_the_given_clock()
    {
        var time = new FakeTimeProvider();
        var marker = Path.Combine(Path.GetTempPath(), "ops-child-" + Guid.NewGuid().ToString("N"));
        var options = new ChildProcessOptions { Timeout = TimeSpan.FromSeconds(5), Time = time };

        // The grandchild would write the marker after 3 s of real time if it outlived the kill.
        var run = ChildProcess.RunAsync(["/bin/sh", "-c", $"(sleep 3; touch '{marker}') & sleep 600"], options, default);
        await Task.Delay(300);
        Assert.False(run.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(6));
        var r = await run.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.True(r.TimedOut);
        Assert.Null(r.ExitCode);
        await Task.Delay(3500);
        Assert.False(File.Exists(marker), "the grandchild outlived the kill");
    }

    [Fact]
    public async Task Cancellation_kills_the_child_and_throws()
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => ChildProcess.RunAsync(["/bin/sleep", "600"], For(TimeSpan.FromMinutes(5)), cts.Token));
    }

    [Fact]
    public async Task A_program_that_does_not_exist_is_a_Win32Exception()
    {
        await Assert.ThrowsAsync<Win32Exception>(() => ChildProcess.RunAsync(["/nonexistent/ops-no-such-program"], For(TimeSpan.FromSeconds(5)), default));
    }
}
