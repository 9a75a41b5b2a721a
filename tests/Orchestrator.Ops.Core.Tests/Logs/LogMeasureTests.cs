using System.IO.Compression;
using System.Text;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.Tests.Support;

namespace Orchestrator.Ops.Core.Tests.Logs;

/// <summary>Aggregates over generated logs, checked against counts computed from the generator's records.</summary>
public sealed class LogMeasureTests : IDisposable
{
    private readonly TempFolder _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Logs => Path.Combine(_dir.Path, "logs");

    [Theory]
    [InlineData(16L << 20)]
    [InlineData(4096L)]
    [InlineData(1000L)]
    public async Task Errors_by_type_match_the_generated_counts_whatever_the_range_size(long range)
    {
        var lines = LogTestKit.Generate(20_000, seed: 7);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines);
        var service = LogTestKit.Service(_dir.Path, measureRange: range);

        var counts = await service.CountErrorsAsync(new LogMeasureRequest(), NullReporter.Instance, default);

        var expected = lines.Where(l => l.Level >= LogLevel.Error)
            .GroupBy(l => (l.ErrorType, l.Wrapper))
            .ToDictionary(g => g.Key, g => (Count: (long)g.Count(), First: g.Min(l => l.At), Last: g.Max(l => l.At)));
        Assert.Equal(expected.Count, counts.Count);
        foreach (var c in counts)
        {
            var e = expected[(c.ErrorType, c.Wrapper)];
            Assert.Equal(e.Count, c.Count);
            Assert.Equal(e.First, c.First);
            Assert.Equal(e.Last, c.Last);
            Assert.Null(c.Interval);
        }

        Assert.Equal(counts.OrderByDescending(c => c.Count).Select(c => c.Count), counts.Select(c => c.Count));
        Assert.Contains(counts, c => c.ErrorType == LogService.UntypedError && c.Wrapper is null);
        Assert.Contains(counts, c => c.ErrorType == "StoreCorrupt");
    }

    [Fact]
    public async Task Response_times_have_exact_nearest_rank_percentiles_per_wrapper()
    {
        var lines = LogTestKit.Generate(30_000, seed: 11);
        LogTestKit.Write(Path.Combine(Logs, "monitoring.log"), lines);
        var service = LogTestKit.Service(_dir.Path, measureRange: 64 * 1024);

        var rows = await service.MeasureResponseTimesAsync(new LogMeasureRequest(), NullReporter.Instance, default);

        var expected = lines.Where(l => l.ResponseTime is not null).GroupBy(l => l.Wrapper!).OrderBy(g => g.Key, StringComparer.Ordinal).ToList();
        Assert.Equal(expected.Select(g => g.Key), rows.Select(r => r.Wrapper));
        foreach (var (g, r) in expected.Zip(rows))
        {
            var values = g.Select(l => l.ResponseTime!.Value).ToList();
            Assert.Equal(values.Count, r.Count);
            Assert.Equal(values.Min(), r.Min);
            Assert.Equal(values.Max(), r.Max);
            Assert.Equal(LogTestKit.NearestRank(values, 50), r.P50);
            Assert.Equal(LogTestKit.NearestRank(values, 95), r.P95);
            Assert.Equal(LogTestKit.NearestRank(values, 99), r.P99);
        }
    }

    [Fact]
    public async Task Success_rate_by_hour_counts_failed_probes_per_wrapper()
    {
        var lines = LogTestKit.Generate(10_000, seed: 3);
        LogTestKit.Write(Path.Combine(Logs, "monitoring.log"), lines);
        var service = LogTestKit.Service(_dir.Path, measureRange: 100_000);

        var rows = await service.MeasureSuccessRateAsync(new LogMeasureRequest { By = LogInterval.Hour }, NullReporter.Instance, default);

        var expected = lines.Where(l => l.ProbeOk is not null)
            .GroupBy(l => (Hour: new DateTimeOffset(l.At.Year, l.At.Month, l.At.Day, l.At.Hour, 0, 0, TimeSpan.Zero), l.Wrapper!))
            .OrderBy(g => g.Key.Hour).ThenBy(g => g.Key.Item2, StringComparer.Ordinal)
            .ToList();
        Assert.True(expected.Select(g => g.Key.Hour).Distinct().Count() > 3);
        Assert.Equal(expected.Count, rows.Count);
        foreach (var (g, r) in expected.Zip(rows))
        {
            Assert.Equal(g.Key.Hour, r.Interval);
            Assert.Equal(g.Key.Item2, r.Wrapper);
            Assert.Equal(g.Count(), r.Total);
            Assert.Equal(g.Count(l => l.ProbeOk == false), r.Failed);
            Assert.Equal(100.0 * g.Count(l => l.ProbeOk == true) / g.Count(), r.SuccessRate, 9);
        }
    }

    [Fact]
    public async Task Failed_auth_ranks_clients_and_rate_limits_count_refusals_and_429s()
    {
        var lines = LogTestKit.Generate(8_000, seed: 5);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines);
        var at = LogTestKit.Start.AddDays(2);
        File.WriteAllLines(Path.Combine(Logs, "access.log"),
        [
            LogTestKit.Line(at, "INFO", "access", "203.0.113.9 \"GET /routellm/v1/operation\" 429 0.5 wrapper=routellm slot=blue fallback=false"),
            LogTestKit.Line(at.AddSeconds(1), "INFO", "access", "203.0.113.9 \"GET /routellm/v1/operation\" 429 0.7 wrapper=routellm slot=blue fallback=false"),
            LogTestKit.Line(at.AddSeconds(2), "INFO", "access", "203.0.113.9 \"GET /routellm/v1/operation\" 200 12.5 wrapper=routellm slot=blue fallback=false"),
        ]);
        var service = LogTestKit.Service(_dir.Path, measureRange: 50_000);

        var failed = await service.CountFailedAuthAsync(new LogMeasureRequest(), NullReporter.Instance, default);
        var limits = await service.CountRateLimitsAsync(new LogMeasureRequest { Logs = ["application", "access"] }, NullReporter.Instance, default);

        var expectedFailed = lines.Where(l => l.FailedAuthClient is not null).GroupBy(l => l.FailedAuthClient!)
            .OrderByDescending(g => g.Count()).ThenBy(g => g.Min(l => l.At)).ToList();
        Assert.Equal(expectedFailed.Select(g => g.Key), failed.Select(f => f.Client));
        Assert.Equal(expectedFailed.Select(g => (long)g.Count()), failed.Select(f => f.Count));
        Assert.Equal(Enumerable.Range(1, failed.Count), failed.Select(f => f.Rank));
        Assert.Equal(expectedFailed.Select(g => g.Max(l => l.At)), failed.Select(f => f.Last!.Value));

        var expectedLimits = lines.Where(l => l.RefusedClient is not null).GroupBy(l => l.RefusedClient!).ToDictionary(g => g.Key, g => (long)g.Count());
        expectedLimits["203.0.113.9"] = 2;
        Assert.Equal(expectedLimits.OrderBy(kv => kv.Key, StringComparer.Ordinal), limits.Select(l => KeyValuePair.Create(l.Client, l.Count)).OrderBy(kv => kv.Key, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Since_until_wrapper_and_by_day_narrow_the_counts()
    {
        var lines = LogTestKit.Generate(40_000, seed: 13);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines);
        var service = LogTestKit.Service(_dir.Path, measureRange: 200_000);
        var since = lines[10_000].At;
        var until = lines[30_000].At;

        var rows = await service.CountErrorsAsync(new LogMeasureRequest { Since = since, Until = until, Wrapper = "POML", By = LogInterval.Day }, NullReporter.Instance, default);

        var expected = lines.Where(l => l.Level >= LogLevel.Error && l.At >= since && l.At < until && l.Wrapper == "poml")
            .GroupBy(l => (Day: new DateTimeOffset(l.At.UtcDateTime.Date, TimeSpan.Zero), l.ErrorType!))
            .ToDictionary(g => g.Key, g => (long)g.Count());
        Assert.True(expected.Keys.Select(k => k.Day).Distinct().Count() > 1);
        Assert.Equal(expected.Count, rows.Count);
        Assert.All(rows, r => Assert.Equal("poml", r.Wrapper));
        Assert.All(rows, r => Assert.Equal(expected[(r.Interval!.Value, r.ErrorType)], r.Count));
    }

    [Fact]
    public async Task Rotated_gzip_and_numbered_siblings_are_read_with_the_current_file()
    {
        var lines = LogTestKit.Generate(9_000, seed: 17);
        var parts = lines.Chunk(3_000).ToArray();
        LogTestKit.Write(Path.Combine(Logs, "application.log.1"), parts[1]);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), parts[2]);
        using (var gz = new GZipStream(File.Create(Path.Combine(Logs, "application.log.2.gz")), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(parts[0].Select(l => l.Text + "\n"))));
        }

        var service = LogTestKit.Service(_dir.Path);
        Assert.Equal(["application.log.2.gz", "application.log.1", "application.log"], service.GetLogFiles("application").Select(Path.GetFileName));

        var counts = await service.CountErrorsAsync(new LogMeasureRequest(), NullReporter.Instance, default);

        Assert.Equal(lines.Count(l => l.Level >= LogLevel.Error), counts.Sum(c => c.Count));
    }

    [Fact]
    public async Task Compact_json_lines_are_measured_like_text_lines()
    {
        var at = LogTestKit.Start;
        File.WriteAllLines(Path.Combine(Directory.CreateDirectory(Logs).FullName, "monitoring.log"),
        [
            $$"""{"@t":"{{at:O}}","@mt":"probe {Wrapper}/{Slot} {Status} attempts={Attempts} response_time: {ResponseTime}","Wrapper":"routellm","Slot":"blue","Status":"Healthy","Attempts":1,"ResponseTime":"120.5","Category":"monitor"}""",
            $$"""{"@t":"{{at.AddSeconds(30):O}}","@mt":"probe {Wrapper}/{Slot} {Status} attempts={Attempts} response_time: {ResponseTime}","Wrapper":"routellm","Slot":"blue","Status":"Healthy","Attempts":1,"ResponseTime":80,"Category":"monitor"}""",
            $$"""{"@t":"{{at.AddSeconds(60):O}}","@l":"Error","@mt":"{ErrorType} probe {Wrapper}/{Slot} failed after {Attempts} attempt(s): {Reason} response_time: {ResponseTime}","ErrorType":"Timeout","Wrapper":"routellm","Slot":"blue","Attempts":3,"Reason":"no answer","ResponseTime":5000.0}""",
            $$"""{"@t":"{{at.AddSeconds(90):O}}","@l":"Error","@m":"Something failed","@x":"System.IO.IOException: disk full\n   at X.Y()"}""",
            """{"@t": not json at all""",
        ]);
        var service = LogTestKit.Service(_dir.Path);

        var times = await service.MeasureResponseTimesAsync(new LogMeasureRequest(), NullReporter.Instance, default);
        var rates = await service.MeasureSuccessRateAsync(new LogMeasureRequest(), NullReporter.Instance, default);
        var errors = await service.CountErrorsAsync(new LogMeasureRequest { Logs = ["monitoring"] }, NullReporter.Instance, default);

        var rt = Assert.Single(times);
        Assert.Equal(("routellm", 3L, 80.0, 120.5, 5000.0), (rt.Wrapper, rt.Count, rt.Min, rt.P50, rt.Max));
        var rate = Assert.Single(rates);
        Assert.Equal((3L, 2L, 1L), (rate.Total, rate.Succeeded, rate.Failed));
        Assert.Equal([("Timeout", "routellm", 1L), ("IOException", null, 1L)], errors.Select(e => (e.ErrorType, e.Wrapper, e.Count)).OrderByDescending(e => e.Wrapper));
    }

    [Fact]
    public async Task A_missing_log_names_its_path_and_the_known_logs()
    {
        Directory.CreateDirectory(Logs);
        File.WriteAllText(Path.Combine(Logs, "gateway-extra.log"), "x\n");
        var service = LogTestKit.Service(_dir.Path);

        var ex = await Assert.ThrowsAsync<LogException>(() => service.CountErrorsAsync(new LogMeasureRequest(), NullReporter.Instance, default));
        Assert.Equal(LogFailure.NotFound, ex.Failure);
        Assert.Contains(Path.Combine(Logs, "application.log"), ex.Message, StringComparison.Ordinal);
        Assert.Contains("application, access, error, monitoring, gateway-extra", ex.Message, StringComparison.Ordinal);

        var path = Path.Combine(_dir.Path, "nope", "x.log");
        ex = await Assert.ThrowsAsync<LogException>(() => service.CountErrorsAsync(new LogMeasureRequest { Logs = [path] }, NullReporter.Instance, default));
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unreadable_and_a_damaged_file_are_reported_and_the_others_still_read()
    {
        var lines = LogTestKit.Generate(3_000, seed: 19);
        LogTestKit.Write(Path.Combine(Logs, "application.log"), lines);
        // Unreadable for any user, root included: a symbolic link that points at itself.
        File.CreateSymbolicLink(Path.Combine(Logs, "application.log.1"), Path.Combine(Logs, "application.log.1"));
        var damaged = new MemoryStream();
        using (var gz = new GZipStream(damaged, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(Encoding.UTF8.GetBytes(string.Concat(LogTestKit.Generate(2_000, seed: 23).Select(l => l.Text + "\n"))));
        }

        var bytes = damaged.ToArray();
        bytes.AsSpan(bytes.Length / 2, 64).Fill(0x55);
        File.WriteAllBytes(Path.Combine(Logs, "application.log.2.gz"), bytes);
        var reporter = new ErrorCollector();
        var service = LogTestKit.Service(_dir.Path);

        var counts = await service.CountErrorsAsync(new LogMeasureRequest(), reporter, default);

        Assert.True(counts.Sum(c => c.Count) >= lines.Count(l => l.Level >= LogLevel.Error));
        Assert.Equal(2, reporter.Errors.Count);
        Assert.All(reporter.Errors, e => Assert.Equal(LogFailure.Unreadable, e.Failure));
        Assert.Contains(reporter.Errors, e => e.Target.EndsWith("application.log.1", StringComparison.Ordinal));
        Assert.Contains(reporter.Errors, e => e.Target.EndsWith("application.log.2.gz", StringComparison.Ordinal) && e.Message.Contains("damaged", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Progress_reports_bytes_and_completes()
    {
        LogTestKit.Write(Path.Combine(Logs, "application.log"), LogTestKit.Generate(2_000, seed: 29));
        var reporter = new RecordingReporter();

        await LogTestKit.Service(_dir.Path).CountErrorsAsync(new LogMeasureRequest(), reporter, default);

        Assert.True(reporter.Progress.Last().Completed);
    }

    [Fact]
    public async Task Since_after_until_is_refused()
    {
        LogTestKit.Write(Path.Combine(Logs, "application.log"), LogTestKit.Generate(10, seed: 1));
        var ex = await Assert.ThrowsAsync<LogException>(() => LogTestKit.Service(_dir.Path).CountErrorsAsync(
            new LogMeasureRequest { Since = LogTestKit.Start, Until = LogTestKit.Start.AddHours(-1) }, NullReporter.Instance, default));
        Assert.Equal(LogFailure.BadRequest, ex.Failure);
    }

    /// <summary>Keeps the files a read reported as failed.</summary>
    internal sealed class ErrorCollector : ILogFileErrorReporter
    {
        public List<LogException> Errors { get; } = [];

        public void FileFailed(LogException error)
        {
            lock (Errors)
            {
                Errors.Add(error);
            }
        }

        public void Progress(OpsProgress progress)
        {
        }

        public void Verbose(string message)
        {
        }

        public void Warning(string message) => throw new InvalidOperationException("File errors must come through FileFailed: " + message);
    }
}
