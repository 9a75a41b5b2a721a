using System.Globalization;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.LogWriting;

/// <summary>application.log, error.log and monitoring.log: written by every process, following a logrotate rotation.</summary>
public sealed class SharedLogFileTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData("create")]
    [InlineData("move")]
    [InlineData("copytruncate")]
    public void Lines_follow_a_logrotate_rotation_to_the_new_file_without_a_hole(string mode)
    {
        var logs = _dir.File("logs");
        var path = Path.Combine(logs, "application.log");
        var rotated = path + ".1";
        using (var log = OpsLogging.Create(logs))
        {
            var service = log.ForCategory("service");
            for (var i = 0; i < 3; i++)
            {
                service.Information("before {Index}", i);
            }

            LogRotation.Rotate(path, rotated, mode);

            for (var i = 0; i < 2; i++)
            {
                service.Information("after {Index}", i);
            }
        }

        Assert.Equal(["before 0", "before 1", "before 2"], Messages(rotated));
        Assert.DoesNotContain((byte)0, File.ReadAllBytes(path));
        Assert.Equal(["after 0", "after 1"], Messages(path));
    }

    [Fact]
    public async Task A_writer_waits_for_the_folder_lock_another_process_holds_and_then_writes()
    {
        var logs = _dir.File("logs");
        Directory.CreateDirectory(logs);
        var path = Path.Combine(logs, "application.log");
        using var log = OpsLogging.Create(logs);

        // What another process writing a line holds: the exclusive handle on the folder's lock file.
        var held = new FileStream(Path.Combine(logs, SharedLogFileSink.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        var writing = Task.Run(() => log.ForCategory("service").Information("waited for its turn"));
        await Task.Delay(300);
        Assert.False(writing.IsCompleted, "the event was written while another writer held the lock");
        Assert.False(File.Exists(path) && File.ReadAllText(path).Contains("waited for its turn", StringComparison.Ordinal));

        held.Dispose();
        await writing.WaitAsync(TimeSpan.FromSeconds(10));
        Assert.Equal(["waited for its turn"], Messages(path));
    }

    [Fact]
    public async Task A_lock_held_far_too_long_delays_the_line_but_does_not_lose_it()
    {
        var logs = _dir.File("logs");
        Directory.CreateDirectory(logs);
        using var log = OpsLogging.Create(logs);
        using (new FileStream(Path.Combine(logs, SharedLogFileSink.LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None))
        {
            await Task.Run(() => log.ForCategory("service").Error("StuckLock written anyway")).WaitAsync(TimeSpan.FromSeconds(20));
        }

        Assert.Equal(["StuckLock written anyway"], Messages(Path.Combine(logs, "application.log")));
        Assert.Equal(["StuckLock written anyway"], Messages(Path.Combine(logs, "error.log")));
    }

    [Fact]
    public void Lines_from_many_threads_and_loggers_are_whole_and_none_is_lost()
    {
        var logs = _dir.File("logs");
        const int Loggers = 3;
        const int PerLogger = 2_000;
        var loggers = Enumerable.Range(0, Loggers).Select(_ => OpsLogging.Create(logs)).ToArray();
        try
        {
            Parallel.For(0, Loggers * 2, t =>
            {
                var log = loggers[t % Loggers].ForCategory("service");
                for (var i = 0; i < PerLogger / 2; i++)
                {
                    log.Information("writer {Writer} line {Line}", t, i);
                }
            });
        }
        finally
        {
            foreach (var log in loggers)
            {
                log.Dispose();
            }
        }

        var lines = File.ReadAllLines(Path.Combine(logs, "application.log"));
        Assert.Equal(Loggers * PerLogger, lines.Length);
        Assert.All(lines, l => Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{3}Z \[INFO\] service writer \d line \d+$", l));
        for (var t = 0; t < Loggers * 2; t++)
        {
            Assert.Equal(Enumerable.Range(0, PerLogger / 2), lines.Where(l => l.Contains($" writer {t} ", StringComparison.Ordinal)).Select(l => int.Parse(l[(l.LastIndexOf(' ') + 1)..], CultureInfo.InvariantCulture)));
        }
    }

    [Fact]
    public void A_removed_logs_folder_is_made_again_and_numbers_read_the_same_in_every_culture()
    {
        var logs = _dir.File("logs");
        var culture = CultureInfo.CurrentCulture;
        using var log = OpsLogging.Create(logs);
        log.ForCategory("service").Information("first");
        Directory.Delete(logs, recursive: true);
        try
        {
            CultureInfo.CurrentCulture = CultureInfo.GetCultureInfo("de-DE");
            log.ForCategory("service").Information("took {Ms} ms", 1234.5);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }

        Assert.Equal(["took 1234.5 ms"], Messages(Path.Combine(logs, "application.log")));
    }

    // The message part of each line: "<date> <time>Z [LEVEL] <category> <message>".
    private static string[] Messages(string path) =>
        File.ReadAllLines(path).Select(l => string.Join(' ', l.Split(' ').Skip(4))).ToArray();
}
