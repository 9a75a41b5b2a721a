using System.Text;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Logs;

/// <summary>-Wait: appends, rotation by rename, truncation in place, a file that appears late; bounded waits on real entries.</summary>
public sealed class LogFollowTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(20);
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Logs => Path.Combine(_dir.Path, "logs");

    private static string L(int i, string level = "INFO") => LogTestKit.Line(LogTestKit.Start.AddSeconds(i), level, "ops", $"line {i}");

    private static void Append(string path, params string[] lines) => File.AppendAllText(path, string.Concat(lines.Select(l => l + "\n")));

    [Fact]
    public async Task Follow_shows_the_last_ten_then_appends_across_a_rename_and_a_truncation_until_cancelled()
    {
        var path = Path.Combine(Directory.CreateDirectory(Logs).FullName, "application.log");
        Append(path, Enumerable.Range(1, 15).Select(i => L(i)).ToArray());
        File.AppendAllText(path, "partial "); // an unfinished line: followed, not shown until complete
        var service = LogTestKit.Service(_dir.Path);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var e = service.SearchAsync(new LogSearchRequest { Follow = true }, NullReporter.Instance, cts.Token).GetAsyncEnumerator(cts.Token);

        var seen = new List<string>();
        async Task Next(int count)
        {
            for (var i = 0; i < count; i++)
            {
                Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(Bound));
                seen.Add(e.Current.Message);
            }
        }

        await Next(10);
        Assert.Equal(Enumerable.Range(6, 10).Select(i => $"line {i}"), seen);

        File.AppendAllText(path, "end\n" + L(16) + "\n");
        await Next(2);
        Assert.Equal(["partial end", "line 16"], seen[10..]);

        // Rotation: the file is renamed (one more line lands in it first), a new one is created.
        Append(path, L(17));
        File.Move(path, path + ".1");
        Append(path + ".1", L(18));
        Append(path, L(19), L(20));
        await Next(4);
        Assert.Equal(["line 17", "line 18", "line 19", "line 20"], seen[12..]);

        // copytruncate: emptied in place, then written again.
        LogRotation.Truncate(path);

        Append(path, L(21, "ERROR"));
        await Next(1);
        Assert.Equal("line 21", seen[^1]);
        Assert.Equal(1L, e.Current.LineNumber);

        var pending = e.MoveNextAsync().AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => pending.WaitAsync(Bound));
    }

    [Fact]
    public async Task Follow_waits_for_a_missing_file_and_filters_what_it_follows()
    {
        Directory.CreateDirectory(Logs);
        var path = Path.Combine(Logs, "monitoring.log");
        var service = LogTestKit.Service(_dir.Path);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var e = service.SearchAsync(new LogSearchRequest { Logs = ["monitoring"], Follow = true, Levels = [LogLevel.Error] }, NullReporter.Instance, cts.Token)
            .GetAsyncEnumerator(cts.Token);

        var next = e.MoveNextAsync().AsTask();
        Append(path, L(1), L(2, "ERROR"), L(3));
        Assert.True(await next.WaitAsync(Bound));
        Assert.Equal(("line 2", LogLevel.Error), (e.Current.Message, e.Current.Level));
        await cts.CancelAsync();
    }

    [Fact]
    public async Task Follow_with_tail_and_a_long_appended_line()
    {
        var path = Path.Combine(Directory.CreateDirectory(Logs).FullName, "application.log");
        Append(path, L(1), L(2), L(3));
        var service = LogTestKit.Service(_dir.Path);
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await using var e = service.SearchAsync(new LogSearchRequest { Follow = true, Tail = 1 }, NullReporter.Instance, cts.Token).GetAsyncEnumerator(cts.Token);
        Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.Equal("line 3", e.Current.Message);

        var huge = LogTestKit.Line(LogTestKit.Start, "WARN", "ops", "Big " + new string('y', 3 << 20));
        File.AppendAllText(path, huge + "\n", new UTF8Encoding(false));
        Assert.True(await e.MoveNextAsync().AsTask().WaitAsync(Bound));
        Assert.True(e.Current.Truncated);
        Assert.Equal(Encoding.UTF8.GetByteCount(huge), e.Current.Length);
        Assert.Equal(LogLevel.Warn, e.Current.Level);
        await cts.CancelAsync();
    }
}
