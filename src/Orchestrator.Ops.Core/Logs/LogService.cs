using System.Runtime.CompilerServices;
using System.Text;
using Orchestrator.Ops.Core.Configuration;
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
    // The front of the log readers: it checks a request (LogRequestValidator), turns its logs into files
    // (LogFileResolver) and hands it to a LogSearch (the last N: LogTailReader; -Wait: FollowedLogs) or a LogMeasurer.

    /// <summary>The read buffer, and the longest line kept whole: a longer one is cut (a search marks it Truncated; aggregates read its start).</summary>
    public const int MaxLineBytes = 1 << 20;

    /// <summary>What an error line counts under when its message does not start with a PascalCase type.</summary>
    public const string UntypedError = "(untyped)";

    /// <summary>What a response time counts under when its line names no wrapper.</summary>
    public const string NoWrapper = "(none)";

    private readonly TimeProvider _time;
    private readonly byte[][] _slots;
    private readonly LogFileResolver _files;

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
        _files = new LogFileResolver(logsFolder);
        _time = time;
        IEnumerable<string> slots = slotNames.Count == 0 ? ["blue", "green"] : slotNames;
        _slots = slots.Distinct(StringComparer.Ordinal).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    /// <summary>The folder the named logs are in.</summary>
    public string LogsFolder => _files.LogsFolder;

    /// <summary>Whether a -Log value is a log name (a bare word) rather than a path.</summary>
    public static bool IsLogName(string log) => LogFileSet.IsName(log);

    /// <summary>How often -Wait looks for appended lines and rotation.</summary>
    public TimeSpan FollowPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Plain files are measured in ranges of this size, several at once.</summary>
    internal long MeasureRangeSize { get; init; } = 16L << 20;

    /// <summary>Plain files are searched in ranges of this size (a few ahead of the reader).</summary>
    internal long SearchRangeSize { get; init; } = 2L << 20;

    /// <summary>The aggregates, with this service's range size (an init property, so made when asked for).</summary>
    private LogMeasurer Measurer => new(_files, _time, _slots, MeasureRangeSize);

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
        LogRequestValidator.Validate(request);
        var matcher = new EntryMatcher(request, _slots);
        var targets = _files.Resolve(request.Logs, ["application"], request.Follow, reporter);
        return new LogSearch(LogsFolder, _time, SearchRangeSize, FollowPollInterval).RunAsync(request, targets, matcher, reporter, cancellationToken);
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
    public Task<IReadOnlyList<LogErrorCount>> CountErrorsAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken) =>
        Measurer.CountErrorsAsync(request, reporter, cancellationToken);

    /// <summary>
    /// Response times per wrapper (probe lines' <c>response_time</c>, access lines' duration), in milliseconds, with
    /// exact nearest-rank percentiles: the runbook's <c>grep response_time | awk '{print $NF}' | sort -n</c>. Reads monitoring.log by default.
    /// </summary>
    public Task<IReadOnlyList<LogResponseTime>> MeasureResponseTimesAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken) =>
        Measurer.MeasureResponseTimesAsync(request, reporter, cancellationToken);

    /// <summary>Successful and failed probes (error probe lines) and gateway requests (5xx) per wrapper. Reads monitoring.log by default.</summary>
    public Task<IReadOnlyList<LogSuccessRate>> MeasureSuccessRateAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken) =>
        Measurer.MeasureSuccessRateAsync(request, reporter, cancellationToken);

    /// <summary>Failed authentications per client address, ranked within each interval (1: most). Reads application.log by default.</summary>
    public Task<IReadOnlyList<LogFailedAuth>> CountFailedAuthAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken) =>
        Measurer.CountFailedAuthAsync(request, reporter, cancellationToken);

    /// <summary>Rate-limit violations per client: requests refused for too many failed authentications, and 429 answers in access.log. Reads application.log by default.</summary>
    public Task<IReadOnlyList<LogRateLimit>> CountRateLimitsAsync(LogMeasureRequest request, IOpsReporter reporter, CancellationToken cancellationToken) =>
        Measurer.CountRateLimitsAsync(request, reporter, cancellationToken);
}
