using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Reads the ops logs (and any other log file) at the speed of the shell tools the runbook uses: lines are found and
/// matched on their bytes, in big buffers, in parallel across files and across ranges of large files; only the lines
/// a search keeps are decoded. Reads our text template, compact JSON (CLEF), plain lines with a level word, and
/// gzip-compressed or UTF-16 files. Needs no state store.
/// </summary>
public sealed class LogService
{
    /// <summary>The read buffer, and the longest line kept whole: a longer one is cut (a search marks it Truncated; aggregates read its start).</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>What an error line counts under when its message does not start with a PascalCase type.</summary>
    public const string UntypedError = "(untyped)";

    /// <summary>What a response time counts under when its line names no wrapper.</summary>
    public const string NoWrapper = "(none)";

    /// <summary>Rotated files last written this long before -Since are not opened.</summary>
    private static readonly TimeSpan RotatedSlack = TimeSpan.FromMinutes(5);

    private readonly TimeProvider _time;
    private readonly byte[][] _slots;

    /// <summary>The logs of an ops root: named logs are in its logs folder, wrapper/slot pairs use its slot names.</summary>
    public LogService(OpsConfig config, TimeProvider time)
        : this(config?.LogsFolder!, config?.Slots.Select(s => s.Name).ToList() ?? [], time)
    {
        ArgumentNullException.ThrowIfNull(config);
    }

    /// <summary>Logs without a configuration (files given by path): named logs are looked for in <paramref name="logsFolder"/>.</summary>
    /// <param name="slotNames">Slot names that mark <c>wrapper/slot</c> pairs; blue and green when empty.</param>
    public LogService(string logsFolder, IReadOnlyList<string> slotNames, TimeProvider time)
    {
        ArgumentException.ThrowIfNullOrEmpty(logsFolder);
        ArgumentNullException.ThrowIfNull(slotNames);
        ArgumentNullException.ThrowIfNull(time);
        LogsFolder = logsFolder;
        _time = time;
        IEnumerable<string> slots = slotNames.Count == 0 ? ["blue", "green"] : slotNames;
        _slots = slots.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The folder the named logs are in.</summary>
    public string LogsFolder { get; }

    /// <summary>Whether a -Log value is a log name (a bare word) rather than a path.</summary>
    public static bool IsLogName(string log) => LogFileSet.IsName(log);

    /// <summary>How often -Wait looks for appended lines and rotation.</summary>
    public TimeSpan FollowPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Plain files are measured in ranges of this size, several at once.</summary>
    internal long MeasureRangeSize { get; init; } = 16L << 20;

    /// <summary>Plain files are searched in ranges of this size (a few ahead of the reader).</summary>
    internal long SearchRangeSize { get; init; } = 2L << 20;

    /// <summary>The log names there are: the runbook's four, then any other &lt;name&gt;.log in the logs folder.</summary>
    public IReadOnlyList<string> GetLogNames() => LogFileSet.Known(LogsFolder).Split(", ");

    /// <summary>The files a log name or path stands for, oldest first (rotated siblings, then the current file).</summary>
    public IReadOnlyList<string> GetLogFiles(string log) => LogFileSet.Resolve(log, LogsFolder).Files;

    /// <summary>
    /// Streams the matching entries of the logs (application when none is given), log by log, each oldest file
    /// first; with Tail only the last N matching ones of each log; with Follow it then follows the logs until
    /// cancelled (the last 10 entries first when neither Tail nor Since is given, like <c>tail -f</c>).
    /// </summary>
    public IAsyncEnumerable<LogEntry> SearchAsync(LogSearchRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(reporter);
        Validate(request.Since, request.Until);
        if (request.Tail is < 0)
        {
            throw new LogException(LogFailure.BadRequest, "Tail", $"-Tail must be 0 or more, not {request.Tail}.");
        }

        var matcher = new EntryMatcher(request, _slots);
        var targets = Resolve(request.Logs, ["application"], request.Follow, reporter);
        return SearchCoreAsync(request, targets, matcher, reporter, cancellationToken);
    }

    /// <summary>Like <see cref="SearchAsync"/>, but streams the matching lines as they are in the file (decoded).</summary>
    public async IAsyncEnumerable<string> SearchRawAsync(LogSearchRequest request, IOpsReporter reporter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        await foreach (var entry in SearchAsync(request with { Raw = true }, reporter, cancellationToken).ConfigureAwait(false))
        {
            yield return entry.Line;
        }
    }

    /// <summary>Error (and fatal) lines per error type and wrapper: the runbook's <c>grep ERROR | cut -d' ' -f5 | sort | uniq -c</c>. Reads application.log by default.</summary>
    public async Task<IReadOnlyList<LogErrorCount>> CountErrorsAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["application"], "Counting errors by type", () => new ErrorCountSink(scope), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Type, string? Wrapper), Tally>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, type, wrapper), tally) in sink.Counts)
            {
                var key = (interval, type < 0 ? UntypedError : sink.Types.NameOf(type), wrapper < 0 ? null : sink.Wrappers.NameOf(wrapper));
                merged.TryGetValue(key, out var sum);
                sum.Add(tally);
                merged[key] = sum;
            }
        }

        return merged
            .Select(kv => new LogErrorCount(scope.IntervalOf(kv.Key.Interval), kv.Key.Type, kv.Key.Wrapper, kv.Value.Count, MeasureScope.Time(kv.Value.First), MeasureScope.Time(kv.Value.Last)))
            .OrderBy(r => r.Interval).ThenByDescending(r => r.Count).ThenBy(r => r.ErrorType, StringComparer.Ordinal).ThenBy(r => r.Wrapper, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Response times per wrapper (probe lines' <c>response_time</c>, access lines' duration), in milliseconds, with
    /// exact nearest-rank percentiles: the runbook's <c>grep response_time | awk '{print $NF}' | sort -n</c>. Reads monitoring.log by default.
    /// </summary>
    public async Task<IReadOnlyList<LogResponseTime>> MeasureResponseTimesAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["monitoring"], "Measuring response times", () => new ResponseTimeSink(scope), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Wrapper), List<List<double>>>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, wrapper), values) in sink.Values)
            {
                var key = (interval, wrapper < 0 ? NoWrapper : sink.Wrappers.NameOf(wrapper));
                if (!merged.TryGetValue(key, out var lists))
                {
                    merged[key] = lists = [];
                }

                lists.Add(values);
            }
        }

        var rows = new LogResponseTime[merged.Count];
        var keys = merged.Keys.ToArray();
        Parallel.For(0, keys.Length, new ParallelOptions { CancellationToken = cancellationToken, MaxDegreeOfParallelism = LogPipeline.Workers }, i =>
        {
            var lists = merged[keys[i]];
            var all = new double[lists.Sum(l => l.Count)];
            var at = 0;
            foreach (var l in lists)
            {
                l.CopyTo(all, at);
                at += l.Count;
            }

            Array.Sort(all);
            rows[i] = new LogResponseTime(scope.IntervalOf(keys[i].Interval), keys[i].Wrapper, all.Length, all[0],
                Percentile.NearestRank(all, 50)!.Value, Percentile.NearestRank(all, 95)!.Value, Percentile.NearestRank(all, 99)!.Value, all[^1]);
        });
        return rows.OrderBy(r => r.Interval).ThenBy(r => r.Wrapper, StringComparer.Ordinal).ToList();
    }

    /// <summary>Successful and failed probes (error probe lines) and gateway requests (5xx) per wrapper. Reads monitoring.log by default.</summary>
    public async Task<IReadOnlyList<LogSuccessRate>> MeasureSuccessRateAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["monitoring"], "Measuring success rates", () => new SuccessRateSink(scope), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Wrapper), (long Total, long Failed)>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, wrapper), (total, failed)) in sink.Counts)
            {
                var key = (interval, sink.Wrappers.NameOf(wrapper));
                merged.TryGetValue(key, out var sum);
                merged[key] = (sum.Total + total, sum.Failed + failed);
            }
        }

        return merged
            .Select(kv => new LogSuccessRate(scope.IntervalOf(kv.Key.Interval), kv.Key.Wrapper, kv.Value.Total, kv.Value.Total - kv.Value.Failed, kv.Value.Failed,
                kv.Value.Total == 0 ? 0 : 100.0 * (kv.Value.Total - kv.Value.Failed) / kv.Value.Total))
            .OrderBy(r => r.Interval).ThenBy(r => r.Wrapper, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>Failed authentications per client address, ranked within each interval (1: most). Reads application.log by default.</summary>
    public async Task<IReadOnlyList<LogFailedAuth>> CountFailedAuthAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var (scope, merged) = await CountClientsAsync(request, rateLimits: false, reporter, cancellationToken).ConfigureAwait(false);
        return merged
            .GroupBy(kv => kv.Key.Interval)
            .OrderBy(g => g.Key)
            .SelectMany(g => g
                .OrderByDescending(kv => kv.Value.Count).ThenBy(kv => kv.Value.First).ThenBy(kv => kv.Key.Client, StringComparer.Ordinal)
                .Select((kv, i) => new LogFailedAuth(scope.IntervalOf(g.Key), kv.Key.Client, kv.Value.Count, MeasureScope.Time(kv.Value.First), MeasureScope.Time(kv.Value.Last), i + 1)))
            .ToList();
    }

    /// <summary>Rate-limit violations per client: requests refused for too many failed authentications, and 429 answers in access.log. Reads application.log by default.</summary>
    public async Task<IReadOnlyList<LogRateLimit>> CountRateLimitsAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var (scope, merged) = await CountClientsAsync(request, rateLimits: true, reporter, cancellationToken).ConfigureAwait(false);
        return merged
            .Select(kv => new LogRateLimit(scope.IntervalOf(kv.Key.Interval), kv.Key.Client, kv.Value.Count, MeasureScope.Time(kv.Value.First), MeasureScope.Time(kv.Value.Last)))
            .OrderBy(r => r.Interval).ThenByDescending(r => r.Count).ThenBy(r => r.Client, StringComparer.Ordinal)
            .ToList();
    }

    private async Task<(MeasureScope Scope, Dictionary<(long Interval, string Client), Tally> Counts)> CountClientsAsync(
        LogMeasureRequest request, bool rateLimits, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["application"], rateLimits ? "Counting rate-limit violations" : "Counting failed authentications",
            () => new ClientCountSink(scope, rateLimits), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Client), Tally>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, client), tally) in sink.Counts)
            {
                var key = (interval, sink.Clients.NameOf(client));
                merged.TryGetValue(key, out var sum);
                sum.Add(tally);
                merged[key] = sum;
            }
        }

        return (scope, merged);
    }

    private MeasureScope Scope(LogMeasureRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        Validate(request.Since, request.Until);
        return new MeasureScope(request, _slots);
    }

    private async Task<List<TSink>> MeasureAsync<TSink>(LogMeasureRequest request, string[] defaults, string activity, Func<TSink> create, IOpsReporter reporter, CancellationToken ct)
        where TSink : LineSink
    {
        ArgumentNullException.ThrowIfNull(reporter);
        var targets = Resolve(request.Logs, defaults, follow: false, reporter);
        var files = targets.SelectMany(t => Files(t, request.Since)).ToList();
        using var session = OpenSession(files, reporter, null, throwIfNothing: true);
        var progress = new LogProgress(reporter, _time, activity, session.TotalBytes);
        try
        {
            return await LogPipeline.MeasureAsync(session, MeasureRangeSize, create, progress, ct).ConfigureAwait(false);
        }
        finally
        {
            progress.Complete();
        }
    }

    private async IAsyncEnumerable<LogEntry> SearchCoreAsync(LogSearchRequest request, List<LogTarget> targets, EntryMatcher matcher, IOpsReporter reporter,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var tail = request.Tail ?? (request.Follow && request.Since is null ? 10 : null);
        var followFrom = new Dictionary<string, long>(StringComparer.Ordinal);
        if (request.Follow)
        {
            foreach (var t in targets)
            {
                followFrom[t.CurrentPath] = CompleteLength(t.CurrentPath);
            }
        }

        Func<string, long, long>? limit = request.Follow ? (path, length) => followFrom.TryGetValue(path, out var p) ? Math.Min(p, length) : length : null;
        foreach (var target in targets)
        {
            var files = Files(target, request.Since).ToList();
            var throwIfNothing = targets.Count == 1 && !request.Follow;
            if (tail is { } n)
            {
                await foreach (var e in TailAsync(target, files, n, matcher, limit, reporter, throwIfNothing, ct).ConfigureAwait(false))
                {
                    yield return e;
                }

                continue;
            }

            using var session = OpenSession(files, reporter, limit, throwIfNothing);
            var progress = new LogProgress(reporter, _time, $"Searching {target.Log}", session.TotalBytes);
            await foreach (var (_, before, results) in LogPipeline.SearchAsync(session, SearchRangeSize, () => new CollectingSink<LogEntry>(matcher), progress, ct).ConfigureAwait(false))
            {
                foreach (var (index, entry) in results)
                {
                    yield return entry with { LineNumber = before + index + 1 };
                }
            }

            progress.Complete();
        }

        if (!request.Follow)
        {
            yield break;
        }

        var channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(4096) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var followers = targets
            .Select(t => Task.Run(() => new LogFollower(t, LogsFolder, matcher, channel.Writer, reporter, _time, FollowPollInterval)
                .RunAsync(t.CurrentPath, followFrom[t.CurrentPath], stop.Token), stop.Token))
            .ToArray();
        _ = Task.WhenAll(followers).ContinueWith(t => channel.Writer.TryComplete(t.IsCanceled ? null : t.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var entry in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return entry;
            }

            ct.ThrowIfCancellationRequested();
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(followers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The last <paramref name="count"/> matching entries of a log, found by reading its newest file from the end in growing windows.</summary>
    private async IAsyncEnumerable<LogEntry> TailAsync(LogTarget target, List<(string Log, string Path, bool IsCurrent)> files, int count, EntryMatcher matcher,
        Func<string, long, long>? limit, IOpsReporter reporter, bool throwIfNothing, [EnumeratorCancellation] CancellationToken ct)
    {
        var kept = new List<LogEntry>();
        var opened = 0;
        var failures = new List<LogException>();
        for (var i = files.Count - 1; i >= 0 && kept.Count < count; i--)
        {
            using var session = LogReadSession.Open([files[i]], (_, path, ex) => failures.Add(Unreadable(path, ex)), limit);
            if (session.Files.Count == 0)
            {
                continue;
            }

            opened++;
            var (source, handle) = session.Files[0];
            var found = new List<LogEntry>();
            var reachedSince = false;
            if (source.Kind == LogSourceKind.Plain)
            {
                var end = source.Length;
                long window = 64 * 1024;
                while (end > 0 && found.Count + kept.Count < count)
                {
                    ct.ThrowIfCancellationRequested();
                    var start = Math.Max(0, end - window);
                    var sink = new CollectingSink<LogEntry>(matcher);
                    try
                    {
                        LineScanner.ScanRange(source, handle, start, end, source.Length, sink, ct);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        failures.Add(Unreadable(source.Path, ex));
                        break;
                    }

                    found.InsertRange(0, sink.Results.Select(r => r.Value));
                    if (matcher.Since is { } since && sink.EarliestTicks < since)
                    {
                        reachedSince = true;
                        break;
                    }

                    end = start;
                    window = Math.Min(window * 2, 64L << 20);
                }
            }
            else
            {
                await foreach (var (_, before, results) in LogPipeline.SearchAsync(session, SearchRangeSize, () => new CollectingSink<LogEntry>(matcher), null, ct).ConfigureAwait(false))
                {
                    found.AddRange(results.Select(r => r.Value with { LineNumber = before + r.Index + 1 }));
                    if (found.Count > 2 * count)
                    {
                        found.RemoveRange(0, found.Count - count);
                    }
                }
            }

            kept.InsertRange(0, found);
            if (kept.Count > count)
            {
                kept.RemoveRange(0, kept.Count - count);
            }

            if (reachedSince)
            {
                break;
            }
        }

        if (opened == 0 && failures.Count > 0 && throwIfNothing)
        {
            throw failures[0];
        }

        foreach (var failure in failures)
        {
            Report(reporter, failure);
        }

        foreach (var e in kept)
        {
            yield return e;
        }
    }

    /// <summary>The files of a target to read: rotated files last written well before Since are left out.</summary>
    private static IEnumerable<(string Log, string Path, bool IsCurrent)> Files(LogTarget target, DateTimeOffset? since)
    {
        foreach (var path in target.Files)
        {
            var current = string.Equals(path, target.CurrentPath, StringComparison.Ordinal);
            if (since is { } s && !current && File.GetLastWriteTimeUtc(path) < s.UtcDateTime - RotatedSlack)
            {
                continue;
            }

            yield return (target.Log, path, current);
        }
    }

    /// <summary>The requested logs; a missing one is reported and left out while others exist, else it ends the call.</summary>
    private List<LogTarget> Resolve(IReadOnlyList<string>? logs, string[] defaults, bool follow, IOpsReporter reporter)
    {
        var names = logs is { Count: > 0 } ? logs : defaults;
        var targets = new List<LogTarget>();
        var missing = new List<LogException>();
        foreach (var log in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var target = LogFileSet.Resolve(log, LogsFolder);
            if (target.Files.Count == 0 && !follow)
            {
                missing.Add(LogFileSet.NotFound(log, target.CurrentPath, LogsFolder));
                continue;
            }

            targets.Add(target);
        }

        if (targets.Count == 0)
        {
            throw missing[0];
        }

        foreach (var m in missing)
        {
            Report(reporter, m);
        }

        return targets;
    }

    private LogReadSession OpenSession(IEnumerable<(string Log, string Path, bool IsCurrent)> files, IOpsReporter reporter, Func<string, long, long>? limit, bool throwIfNothing)
    {
        var early = new List<LogException>();
        var started = false;
        var session = LogReadSession.Open(files, (_, path, ex) =>
        {
            var error = Unreadable(path, ex);
            lock (early)
            {
                if (!started)
                {
                    early.Add(error);
                    return;
                }
            }

            Report(reporter, error);
        }, limit);
        if (session.Files.Count == 0 && early.Count > 0 && throwIfNothing)
        {
            session.Dispose();
            throw early[0];
        }

        lock (early)
        {
            started = true;
        }

        foreach (var e in early)
        {
            Report(reporter, e);
        }

        return session;
    }

    private static void Report(IOpsReporter reporter, LogException error)
    {
        if (reporter is ILogFileErrorReporter errors)
        {
            errors.FileFailed(error);
        }
        else
        {
            reporter.Warning(error.Message);
        }
    }

    private static LogException Unreadable(string path, Exception ex) => new(
        LogFailure.Unreadable, path,
        ex switch
        {
            UnauthorizedAccessException => $"Cannot read '{path}': permission denied. Give the user running this read access to it; the other files were read.",
            InvalidDataException => $"Cannot read all of '{path}': it is damaged ({ex.Message}). The lines before the damage were read, and the other files.",
            _ => $"Cannot read '{path}': {ex.Message} The other files were read.",
        },
        ex);

    /// <summary>The length of a file up to the end of its last complete line (0 when it does not exist).</summary>
    private static long CompleteLength(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            var buffer = new byte[64 * 1024];
            var end = length;
            while (end > 0)
            {
                var start = Math.Max(0, end - buffer.Length);
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)(end - start)), start);
                var nl = buffer.AsSpan(0, n).LastIndexOf((byte)'\n');
                if (nl >= 0)
                {
                    return start + nl + 1;
                }

                end = start;
            }

            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }

    private static void Validate(DateTimeOffset? since, DateTimeOffset? until)
    {
        if (since is { } s && until is { } u && s >= u)
        {
            throw new LogException(LogFailure.BadRequest, "Since",
                $"-Since ({s:u}) must be before -Until ({u:u}); nothing lies between them.");
        }
    }
}
