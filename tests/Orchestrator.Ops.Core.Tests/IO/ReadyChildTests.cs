using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Orchestrator.Ops.Core.IO;
using Orchestrator.Ops.Tests.Shared;

namespace Orchestrator.Ops.Core.Tests.IO;

/// <summary>The one "start a child and wait for its ready file", as the sandbox and service launchers use it.</summary>
public sealed class ReadyChildTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private ReadyChildStart Start(string script, TimeSpan timeout) => new()
    {
        Command = ["/bin/sh", "-c", script],
        WorkingDirectory = _dir.Path,
        What = "The test child",
        Timeout = timeout,
        TimeoutHint = "see its log.",
        Fail = message => new InvalidOperationException(message),
    };

    /// <summary>The child's ready state: the pid it wrote, only when that is the process started.</summary>
    private string? Ready(int pid)
    {
        var file = _dir.File("ready");
        return File.Exists(file) && File.ReadAllText(file).Trim() == pid.ToString(System.Globalization.CultureInfo.InvariantCulture) ? "ready" : null;
    }

    [Fact]
    public async Task Returns_once_the_child_writes_its_own_ready_state_and_leaves_it_running()
    {
        // A stale ready file of another process is not taken for this child's.
        File.WriteAllText(_dir.File("ready"), "1");
        var result = await ReadyChild.StartAsync(Start("sleep 0.3; echo $$ > ready.tmp; mv ready.tmp ready; exec sleep 30", TimeSpan.FromSeconds(30)), Ready, default);

        Assert.Equal("ready", result);
        var pid = int.Parse(File.ReadAllText(_dir.File("ready")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var child = Process.GetProcessById(pid);
        Assert.False(child.HasExited);
        child.Kill();
    }

    [Fact]
    public async Task A_child_that_dies_first_is_an_error_with_its_exit_code_and_what_it_said()
    {
        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => ReadyChild.StartAsync(Start("echo 'port in use' >&2; exit 4", TimeSpan.FromSeconds(30)), Ready, default));

        Assert.Equal("The test child exited with code 4 before it was ready. It said: port in use", e.Message);
    }

    [Fact]
    public async Task A_child_that_never_gets_ready_is_killed_at_the_timeout()
    {
        // The timeout runs on a fake clock that moves only once the child runs, however slowly a loaded machine starts it.
        var time = new FakeTimeProvider();
        var start = Start("echo $$ > pid; exec sleep 600", TimeSpan.FromSeconds(1));
        var waiting = ReadyChild.StartAsync(new ReadyChildStart
        {
            Command = start.Command,
            WorkingDirectory = start.WorkingDirectory,
            What = start.What,
            Timeout = start.Timeout,
            TimeoutHint = start.TimeoutHint,
            Fail = start.Fail,
            Time = time,
        }, Ready, default);
        await UntilThePidFileIsWritten();
        Assert.False(waiting.IsCompleted);
        time.Advance(TimeSpan.FromSeconds(2));

        var e = await Assert.ThrowsAsync<InvalidOperationException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal("The test child did not become ready within 1 s; see its log.", e.Message);
        AssertKilled();
    }

    [Fact]
    public async Task Cancelling_the_wait_kills_the_child()
    {
        using var cts = new CancellationTokenSource();
        var waiting = ReadyChild.StartAsync(Start("echo $$ > pid; exec sleep 600", TimeSpan.FromMinutes(5)), Ready, cts.Token);
        await UntilThePidFileIsWritten();
        cts.Cancel();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(TimeSpan.FromSeconds(30)));
        AssertKilled();
    }

    /// <summary>Waits until the child has started far enough to write its pid, however slowly a loaded machine starts it.</summary>
    private Task UntilThePidFileIsWritten()
    {
        var file = _dir.File("pid");
        return Eventually.UntilAsync(() => File.Exists(file) && File.ReadAllText(file).Trim().Length > 0, "the child wrote its pid", TimeSpan.FromMinutes(1));
    }

    private void AssertKilled()
    {
        var pid = int.Parse(File.ReadAllText(_dir.File("pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        try
        {
            using var child = Process.GetProcessById(pid);
            Assert.True(child.WaitForExit(10_000), $"process {pid} still runs");
        }
        catch (ArgumentException)
        {
            // Gone already.
        }
    }
}
