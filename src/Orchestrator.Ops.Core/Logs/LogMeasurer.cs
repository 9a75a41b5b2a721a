using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The aggregates of Measure-OpsLog: the request's files read in ranges, several at once, by one sink per worker
/// (the <see cref="MeasureSink"/>s), whose counts are then merged by name and ordered into the result rows.
/// </summary>
internal sealed class LogMeasurer(LogFileResolver files, TimeProvider time, byte[][] slots, long rangeSize)
{
    public async Task<IReadOnlyList<LogErrorCount>> CountErrorsAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["application"], "Counting errors by type", () => new ErrorCountSink(scope), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Type, string? Wrapper), Tally>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, type, wrapper), tally) in sink.Counts)
            {
                var key = (interval, type < 0 ? LogService.UntypedError : sink.Types.NameOf(type), wrapper < 0 ? null : sink.Wrappers.NameOf(wrapper));
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

    public async Task<IReadOnlyList<LogResponseTime>> MeasureResponseTimesAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var scope = Scope(request);
        var sinks = await MeasureAsync(request, ["monitoring"], "Measuring response times", () => new ResponseTimeSink(scope), reporter, cancellationToken).ConfigureAwait(false);
        var merged = new Dictionary<(long Interval, string Wrapper), List<List<double>>>();
        foreach (var sink in sinks)
        {
            foreach (var ((interval, wrapper), values) in sink.Values)
            {
                var key = (interval, wrapper < 0 ? LogService.NoWrapper : sink.Wrappers.NameOf(wrapper));
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
        LogRequestValidator.Validate(request);
        return new MeasureScope(request, slots);
    }

    private async Task<List<TSink>> MeasureAsync<TSink>(LogMeasureRequest request, string[] defaults, string activity, Func<TSink> create, IOpsReporter reporter, CancellationToken ct)
        where TSink : LineSink
    {
        ArgumentNullException.ThrowIfNull(reporter);
        var targets = files.Resolve(request.Logs, defaults, follow: false, reporter);
        var toRead = targets.SelectMany(t => LogFileResolver.FilesToRead(t, request.Since)).ToList();
        using var session = LogFileErrors.OpenSession(toRead, reporter, null, throwIfNothing: true);
        var progress = new LogProgress(reporter, time, activity, session.TotalBytes);
        try
        {
            return await LogPipeline.MeasureAsync(session, rangeSize, create, progress, ct).ConfigureAwait(false);
        }
        finally
        {
            progress.Complete();
        }
    }
}
