using System.Net;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.LogWriting;

public sealed class OpsLoggingTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Access_lines_go_to_access_log_only()
    {
        var logs = _dir.File("logs");
        var at = new DateTimeOffset(2026, 11, 27, 22, 40, 1, 123, TimeSpan.Zero);
        using (var log = OpsLogging.Create(logs))
        using (var accessLog = new AccessLogWriter(logs))
        {
            accessLog.Write(at, IPAddress.Loopback, "GET", "/routellm/v1/operation", 200, 1.23456, "routellm", "blue", fallback: false);
            accessLog.Write(at, null, "POST", "/" + new string('x', 600), 404, 2000, "-", "-", fallback: true);
            log.ForCategory(OpsLogging.AccessCategory).Information("a stray access-category event on the shared logger goes nowhere");
            log.ForCategory("service").Information("an application line");
        }

        var access = File.ReadAllLines(Path.Combine(logs, "access.log"));
        Assert.Equal(
            [
                "2026-11-27 22:40:01.123Z [INFO] access 127.0.0.1 \"GET /routellm/v1/operation\" 200 1.235 wrapper=routellm slot=blue fallback=false",
                $"2026-11-27 22:40:01.123Z [INFO] access - \"POST /{new string('x', 600)}\" 404 2000 wrapper=- slot=- fallback=true",
            ],
            access);
        var application = File.ReadAllText(Path.Combine(logs, "application.log"));
        Assert.Contains("an application line", application, StringComparison.Ordinal);
        Assert.DoesNotContain("access", application, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(logs, "error.log")) && File.ReadAllText(Path.Combine(logs, "error.log")).Contains("access", StringComparison.Ordinal));
    }

    [Fact]
    public void Access_lines_are_appended_in_order_from_many_threads_and_all_written_by_dispose()
    {
        var logs = _dir.File("logs");
        const int Threads = 4;
        const int PerThread = 20_000;
        using (var accessLog = new AccessLogWriter(logs, TimeSpan.FromMilliseconds(50)))
        {
            Parallel.For(0, Threads, t =>
            {
                for (var i = 0; i < PerThread; i++)
                {
                    accessLog.Write(DateTimeOffset.UtcNow, IPAddress.IPv6Loopback, "GET", $"/t{t}/{i}", 200, i, "w", "s", fallback: false);
                }
            });
        }

        var lines = File.ReadAllLines(Path.Combine(logs, "access.log"));
        Assert.Equal(Threads * PerThread, lines.Length);
        for (var t = 0; t < Threads; t++)
        {
            var mine = lines.Where(l => l.Contains($" \"GET /t{t}/", StringComparison.Ordinal)).Select(l => int.Parse(l.Split(' ')[6][..^1].Split('/')[2], System.Globalization.CultureInfo.InvariantCulture));
            Assert.Equal(Enumerable.Range(0, PerThread), mine);
        }

        Assert.All(lines, l => Assert.Matches("""^\S+ \S+Z \[INFO\] access ::1 "GET /t\d/\d+" 200 \d+ wrapper=w slot=s fallback=false$""", l));
    }

    [Theory]
    [InlineData("create")]
    [InlineData("move")]
    [InlineData("copytruncate")]
    public async Task Access_lines_follow_a_logrotate_rotation_to_the_new_file_without_a_hole(string mode)
    {
        var logs = _dir.File("logs");
        var path = Path.Combine(logs, "access.log");
        var rotated = path + ".1";
        var at = new DateTimeOffset(2026, 11, 27, 22, 40, 1, 123, TimeSpan.Zero);
        using (var accessLog = new AccessLogWriter(logs, TimeSpan.FromMilliseconds(50)))
        {
            for (var i = 0; i < 3; i++)
            {
                accessLog.Write(at, IPAddress.Loopback, "GET", $"/before/{i}", 200, 1, "w", "s", fallback: false);
            }

            // Written (not only queued) before the rotation, as logrotate finds it.
            await Eventually.UntilAsync(() => File.ReadAllLines(path).Length >= 3, "the first lines were written");

            LogRotation.Rotate(path, rotated, mode);

            for (var i = 0; i < 2; i++)
            {
                accessLog.Write(at, IPAddress.Loopback, "GET", $"/after/{i}", 200, 1, "w", "s", fallback: false);
            }
        }

        var before = File.ReadAllLines(rotated);
        Assert.Equal(["/before/0", "/before/1", "/before/2"], before.Select(l => l.Split('"')[1].Split(' ')[1]));
        var bytes = File.ReadAllBytes(path);
        Assert.DoesNotContain((byte)0, bytes);
        Assert.Equal(["/after/0", "/after/1"], File.ReadAllLines(path).Select(l => l.Split('"')[1].Split(' ')[1]));
    }
}
