using System.IO.Compression;
using System.Text;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Tests.Logs;

public sealed class LogSearchTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Logs => Path.Combine(_dir.Path, "logs");

    [Theory]
    [InlineData(2L << 20)]
    [InlineData(777L)]
    public async Task Level_pattern_wrapper_and_time_filters_keep_exactly_the_matching_lines_in_order(long range)
    {
        var lines = LogTestKit.Generate(6_000, seed: 31);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines);
        var service = LogTestKit.Service(_dir.Path, searchRange: range);
        var since = lines[1_000].At;
        var until = lines[5_000].At;

        var found = await service.SearchAsync(new LogSearchRequest
        {
            Levels = [LogLevel.Error, LogLevel.Warn],
            Pattern = "rout.llm",
            Since = since,
            Until = until,
        }, NullReporter.Instance, default).ToListAsync();

        var expected = lines.Select((l, i) => (Line: l, Number: i + 1))
            .Where(x => x.Line.Level is LogLevel.Error or LogLevel.Warn && x.Line.Text.Contains("routellm", StringComparison.Ordinal) && x.Line.At >= since && x.Line.At < until)
            .ToList();
        Assert.Equal(expected.Select(x => x.Line.Text), found.Select(e => e.Line));
        Assert.Equal(expected.Select(x => (long?)x.Number), found.Select(e => e.LineNumber));
        Assert.Equal(expected.Select(x => (DateTimeOffset?)x.Line.At), found.Select(e => e.Timestamp));

        var byWrapper = await service.SearchAsync(new LogSearchRequest { Wrapper = "POML", MinimumLevel = LogLevel.Error }, NullReporter.Instance, default).ToListAsync();
        Assert.Equal(lines.Count(l => l.Wrapper == "poml" && l.Level >= LogLevel.Error), byWrapper.Count);
        Assert.All(byWrapper, e => Assert.Equal("poml", e.Wrapper));
        Assert.All(byWrapper.Where(e => e.Level == LogLevel.Error), e => Assert.NotNull(e.ErrorType));
    }

    [Fact]
    public async Task Entries_carry_parsed_fields_and_properties()
    {
        var at = LogTestKit.Start;
        File.WriteAllLines(Path.Combine(Directory.CreateDirectory(Logs).FullName, "access.log"),
        [
            LogTestKit.Line(at, "INFO", "access", "127.0.0.1 \"GET /routellm/v1/operation\" 502 812.345 wrapper=routellm slot=blue fallback=false"),
        ]);
        File.WriteAllLines(Path.Combine(Logs, "monitoring.log"),
        [
            LogTestKit.Line(at, "ERROR", "monitor", "ConnectionRefused probe poml/green failed after 3 attempt(s): refused response_time: 5001.5"),
        ]);
        var service = LogTestKit.Service(_dir.Path);

        var access = Assert.Single(await service.SearchAsync(new LogSearchRequest { Logs = ["access"] }, NullReporter.Instance, default).ToListAsync());
        var probe = Assert.Single(await service.SearchAsync(new LogSearchRequest { Logs = ["monitoring"] }, NullReporter.Instance, default).ToListAsync());

        Assert.Equal(("access", "routellm", LogLevel.Info), (access.Log, access.Wrapper, access.Level));
        Assert.Equal(502, access.Properties["Status"]);
        Assert.Equal(812.345, access.Properties["DurationMs"]);
        Assert.Equal("/routellm/v1/operation", access.Properties["RequestPath"]);
        Assert.Equal(false, access.Properties["fallback"]);
        Assert.Equal(("poml", "ConnectionRefused", "monitor"), (probe.Wrapper, probe.ErrorType, probe.Properties["Category"]));
        Assert.Equal(5001.5, probe.Properties["response_time"]);
        Assert.Equal("ConnectionRefused probe poml/green failed after 3 attempt(s): refused response_time: 5001.5", probe.Message);
        Assert.Equal(Path.Combine(Logs, "monitoring.log"), probe.Path);
    }

    [Fact]
    public async Task Tail_returns_the_last_matching_entries_across_rotated_files()
    {
        var lines = LogTestKit.Generate(50_000, seed: 37);
        var errors = lines.Where(l => l.Level == LogLevel.Error).ToList();
        LogTestKit.Write(Path.Combine(Logs, "application.log.1"), lines.Take(49_000));
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines.Skip(49_000));
        var service = LogTestKit.Service(_dir.Path);

        var last = await service.SearchAsync(new LogSearchRequest { Tail = 200, Levels = [LogLevel.Error] }, NullReporter.Instance, default).ToListAsync();
        var raw = await service.SearchRawAsync(new LogSearchRequest { Tail = 3 }, NullReporter.Instance, default).ToListAsync();

        Assert.Equal(errors.TakeLast(200).Select(l => l.Text), last.Select(e => e.Line));
        Assert.Equal(lines.TakeLast(3).Select(l => l.Text), raw);
        Assert.Empty(await service.SearchAsync(new LogSearchRequest { Tail = 0 }, NullReporter.Instance, default).ToListAsync());
    }

    [Fact]
    public async Task Garbage_invalid_utf8_latin1_crlf_and_a_truncated_last_line_all_come_through()
    {
        var at = LogTestKit.Start;
        var bytes = new List<byte>();
        void Add(string s) => bytes.AddRange(Encoding.UTF8.GetBytes(s));
        Add(LogTestKit.Line(at, "INFO", "ops", "caf\u00e9 in UTF-8\r\n"));
        bytes.AddRange(Encoding.ASCII.GetBytes(LogTestKit.Line(at, "ERROR", "ops", "Latin1Error caf")));
        bytes.Add(0xE9);
        Add("\n");
        bytes.AddRange([0xFF, 0x00, 0xC3, 0x28, 0x80, (byte)'\n']);
        Add("\n");
        Add(LogTestKit.Line(at.AddSeconds(1), "ERROR", "ops", "CutShort no line break at the end"));
        File.WriteAllBytes(Path.Combine(Directory.CreateDirectory(Logs).FullName, "application.log"), bytes.ToArray());
        var service = LogTestKit.Service(_dir.Path);

        var all = await service.SearchAsync(new LogSearchRequest(), NullReporter.Instance, default).ToListAsync();
        var errors = await service.CountErrorsAsync(new LogMeasureRequest(), NullReporter.Instance, default);

        Assert.Equal(5, all.Count);
        Assert.Equal("caf\u00e9 in UTF-8", all[0].Message);
        Assert.Equal("Latin1Error caf\u00e9", all[1].Message);
        Assert.Equal(LogLevel.Unknown, all[2].Level);
        Assert.Null(all[2].Timestamp);
        Assert.Equal(string.Empty, all[3].Line);
        Assert.Equal("CutShort no line break at the end", all[4].Message);
        Assert.Equal(["CutShort", "Latin1Error"], errors.Select(e => e.ErrorType).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Utf16_and_gzip_files_are_decoded()
    {
        var lines = LogTestKit.Generate(500, seed: 41);
        Directory.CreateDirectory(Logs);
        File.WriteAllText(Path.Combine(Logs, "utf16.log"), string.Concat(lines.Select(l => l.Text + "\r\n")), Encoding.Unicode);
        using (var gz = new GZipStream(File.Create(Path.Combine(Logs, "packed.log.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(lines.Select(l => l.Text + "\n"))));
        }

        var service = LogTestKit.Service(_dir.Path);
        var utf16 = await service.SearchAsync(new LogSearchRequest { Logs = [Path.Combine(Logs, "utf16.log")], MinimumLevel = LogLevel.Warn }, NullReporter.Instance, default).ToListAsync();
        var packed = await service.SearchAsync(new LogSearchRequest { Logs = [Path.Combine(Logs, "packed.log.gz")], MinimumLevel = LogLevel.Warn }, NullReporter.Instance, default).ToListAsync();

        var expected = lines.Where(l => l.Level >= LogLevel.Warn).Select(l => l.Text).ToList();
        Assert.Equal(expected, utf16.Select(e => e.Line));
        Assert.Equal(expected, packed.Select(e => e.Line));
        Assert.Equal(lines.Select((l, i) => (l, i)).Where(x => x.l.Level >= LogLevel.Warn).Select(x => (long?)x.i + 1), packed.Select(e => e.LineNumber));
    }

    [Fact]
    public async Task A_64_MiB_line_is_cut_with_its_length_and_the_lines_around_it_are_intact()
    {
        var at = LogTestKit.Start;
        var path = Path.Combine(Directory.CreateDirectory(Logs).FullName, "application.log");
        const int Huge = 64 << 20;
        using (var f = File.Create(path))
        {
            f.Write(Encoding.UTF8.GetBytes(LogTestKit.Line(at, "INFO", "ops", "before") + "\n"));
            var head = Encoding.UTF8.GetBytes(LogTestKit.Line(at, "ERROR", "ops", "HugeError "));
            f.Write(head);
            var chunk = new byte[1 << 20];
            chunk.AsSpan().Fill((byte)'x');
            for (var written = head.Length; written < Huge; written += chunk.Length)
            {
                f.Write(chunk, 0, Math.Min(chunk.Length, Huge - written));
            }

            f.Write(Encoding.UTF8.GetBytes("\n" + LogTestKit.Line(at, "ERROR", "ops", "AfterError after") + "\n"));
        }

        var service = LogTestKit.Service(_dir.Path);
        foreach (var range in new long[] { 2L << 20, 16L << 20 })
        {
            var s = LogTestKit.Service(_dir.Path, measureRange: range, searchRange: range);
            var all = await s.SearchAsync(new LogSearchRequest(), NullReporter.Instance, default).ToListAsync();
            Assert.Equal(["before", "HugeError", "AfterError"], all.Select(e => e.Message.Split(' ')[0]));
            Assert.True(all[1].Truncated);
            Assert.Equal(Huge, all[1].Length);
            Assert.Equal(LogService.MaxLineBytes, Encoding.UTF8.GetByteCount(all[1].Line));
            Assert.Equal(3L, all[2].LineNumber);
            var errors = await s.CountErrorsAsync(new LogMeasureRequest(), NullReporter.Instance, default);
            Assert.Equal([("AfterError", 1L), ("HugeError", 1L)], errors.Select(e => (e.ErrorType, e.Count)).OrderBy(e => e.ErrorType, StringComparer.Ordinal));
        }

        var tail = await service.SearchAsync(new LogSearchRequest { Tail = 2 }, NullReporter.Instance, default).ToListAsync();
        Assert.Equal(["HugeError", "AfterError"], tail.Select(e => e.ErrorType));
    }

    [Fact]
    public async Task A_bad_pattern_and_a_missing_path_are_clear_errors()
    {
        var service = LogTestKit.Service(_dir.Path);
        var bad = Assert.Throws<LogException>(() => service.SearchAsync(new LogSearchRequest { Pattern = "(unclosed" }, NullReporter.Instance, default));
        Assert.Equal(LogFailure.BadPattern, bad.Failure);

        var missing = Assert.Throws<LogException>(() => service.SearchAsync(new LogSearchRequest { Logs = ["monitoring"] }, NullReporter.Instance, default));
        Assert.Equal(LogFailure.NotFound, missing.Failure);
        Assert.Contains(Path.Combine(Logs, "monitoring.log"), missing.Message, StringComparison.Ordinal);
        Assert.Contains("application, access, error, monitoring", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_log_among_others_is_reported_and_the_rest_searched()
    {
        LogTestKit.Write(Path.Combine(Logs, "application.log"), LogTestKit.Generate(100, seed: 2));
        var reporter = new LogMeasureTests.ErrorCollector();

        var found = await LogTestKit.Service(_dir.Path).SearchAsync(new LogSearchRequest { Logs = ["application", "error"] }, reporter, default).ToListAsync();

        Assert.Equal(100, found.Count);
        var error = Assert.Single(reporter.Errors);
        Assert.Equal((LogFailure.NotFound, "error"), (error.Failure, error.Target));
    }

    [Fact]
    public async Task Tail_goes_past_an_unreadable_rotated_file_and_reports_it()
    {
        var lines = LogTestKit.Generate(300, seed: 43);
        LogTestKit.Write(Path.Combine(Logs, "application.log.2"), lines.Take(200));
        File.CreateSymbolicLink(Path.Combine(Logs, "application.log.1"), Path.Combine(Logs, "application.log.1"));
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines.Skip(200));
        var reporter = new LogMeasureTests.ErrorCollector();

        var last = await LogTestKit.Service(_dir.Path).SearchAsync(new LogSearchRequest { Tail = 150 }, reporter, default).ToListAsync();

        Assert.Equal(lines.TakeLast(150).Select(l => l.Text), last.Select(e => e.Line));
        var error = Assert.Single(reporter.Errors);
        Assert.Equal(LogFailure.Unreadable, error.Failure);
        Assert.EndsWith("application.log.1", error.Target, StringComparison.Ordinal);
    }
}
