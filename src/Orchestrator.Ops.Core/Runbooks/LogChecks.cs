using System.Collections.Concurrent;
using System.Globalization;
using Orchestrator.Ops.Core.Logs;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>
/// The items built on the log capability: error logs (1.3, 3.3.1, 2.2.1), and the security review of the access and
/// application logs (2.2.3, 6.1). Every window runs from the look-back start to the end of the logs.
/// </summary>
internal static class LogChecks
{
    /// <summary>How many of the newest error lines an error item quotes.</summary>
    public const int QuotedLines = 5;

    /// <summary>How many clients a list names before it sums up the rest.</summary>
    public const int TopClients = 10;

    /// <summary>An hour with this many times the median hour's requests (and at least <see cref="SpikeFloor"/>) is a spike.</summary>
    public const double SpikeFactor = 3;

    public const long SpikeFloor = 100;

    /// <summary>A client with this many refused requests (401, 403) in the window is probing, whatever the lockout says.</summary>
    public const long ProbingRefusals = 20;

    /// <summary>
    /// The error logs (3.3.1 daily "Review error logs", 2.2.1 "Review error logs for root cause"): error and fatal lines of
    /// application.log since the window's start counted by error type and wrapper (the runbook's grep | cut | sort | uniq
    /// -c), with the newest lines quoted. Any error warns: someone reads them; the health items decide what is down.
    /// </summary>
    public static async Task<RunbookOutcome> ErrorLogsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var logs = ctx.Engine.Logs;
        var capture = new CapturingReporter(ctx.Reporter);
        IReadOnlyList<LogErrorCount> counts;
        try
        {
            counts = await logs.CountErrorsAsync(new LogMeasureRequest { Logs = ["application"], Since = ctx.Since }, capture, ct).ConfigureAwait(false);
        }
        catch (LogException ex) when (ex.Failure == LogFailure.NotFound)
        {
            return new RunbookOutcome(RunbookStatus.Warn,
                $"There is no application.log in {logs.LogsFolder}: nothing has logged to this ops root, so its errors cannot be reviewed. Is the service running with another opsRoot?",
                [new("application.log", "Exists", false, "True", RunbookStatus.Warn, ex.Message)]);
        }

        var rows = counts
            .OrderByDescending(c => c.Count).ThenBy(c => c.ErrorType, StringComparer.Ordinal)
            .Select(c => new RunbookEvidence(c.Wrapper is null ? c.ErrorType : $"{c.ErrorType} ({c.Wrapper})", "Errors", c.Count, "0", RunbookStatus.Warn,
                $"first {Fmt.Time(c.First)}, last {Fmt.Time(c.Last)}"))
            .ToList();
        if (counts.Count > 0)
        {
            var newest = new List<LogEntry>();
            await foreach (var e in logs.SearchAsync(new LogSearchRequest { Logs = ["application"], MinimumLevel = LogLevel.Error, Since = ctx.Since, Tail = QuotedLines }, capture, ct).ConfigureAwait(false))
            {
                newest.Add(e);
            }

            rows.AddRange(newest.Select(e => new RunbookEvidence(Fmt.Time(e.Timestamp), "Line", Shorten(e.Message), null, null, e.ErrorType)));
        }

        rows.AddRange(capture.Rows());
        var total = counts.Sum(c => c.Count);
        var detail = total == 0
            ? $"No error in application.log since {Fmt.Time(ctx.Since)}."
            : $"{Fmt.N(total)} {(total == 1 ? "error" : "errors")} since {Fmt.Time(ctx.Since)}: {string.Join(", ", counts.OrderByDescending(c => c.Count).Take(5).Select(c => $"{c.ErrorType}{(c.Wrapper is null ? string.Empty : " on " + c.Wrapper)} x{Fmt.N(c.Count)}"))}"
              + (counts.Count > 5 ? $" and {counts.Count - 5} more kinds" : string.Empty)
              + $". The newest lines are quoted in the evidence; Search-OpsLog -Level Error -Since '{Fmt.Time(ctx.Since)}' shows them all.";
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>
    /// Failed authentications (2.2.3 step 2, 6.1): the API's refused keys per client address from application.log, top
    /// offenders first. A client at the service's lockout limit (service.failedAuthLimit) within one hour fails — a
    /// guessing attack — and any failure warns.
    /// </summary>
    public static async Task<RunbookOutcome> FailedAuthAsync(RunbookContext ctx, CancellationToken ct)
    {
        var limit = ctx.Engine.Config.Service.FailedAuthLimit;
        var found = await FailedAuthCoreAsync(ctx, RunbookStatus.Fail, RunbookStatus.Warn, ct).ConfigureAwait(false)
            ?? throw new RunbookSkipException($"There is no application.log in {ctx.Engine.Logs.LogsFolder}, where the monitoring service logs failed authentications: nothing has logged to this ops root.");
        var rows = found.Rows;
        var attackers = rows.Where(r => r is { Measure: "FailedAuth", Status: RunbookStatus.Fail } && !r.Subject.StartsWith('(')).Select(r => r.Subject).ToList();
        var detail = found.Total == 0
            ? $"No failed authentication since {Fmt.Time(ctx.Since)}."
            : $"{Fmt.N(found.Total)} failed authentications since {Fmt.Time(ctx.Since)} from {Fmt.Count(found.Clients, "client")}; the top offender is {rows[0].Subject} ({rows[0].Value})."
              + (attackers.Count > 0
                  ? $" At the lockout limit ({limit}) within an hour: {string.Join(", ", attackers)}: block them at the firewall and rotate the API key (Update-Secret -Name service-api-key)."
                  : " None reached the lockout limit within an hour: likely mistyped or stale keys; find out who uses them.");
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>Failed authentications for the weekly security review: a client at the lockout limit within an hour warns, the rest inform. Null when there is no application.log.</summary>
    public static async Task<IReadOnlyList<RunbookEvidence>?> FailedAuthRowsAsync(RunbookContext ctx, CancellationToken ct) =>
        (await FailedAuthCoreAsync(ctx, RunbookStatus.Warn, RunbookStatus.Pass, ct).ConfigureAwait(false))?.Rows;

    private sealed record FailedAuthFindings(List<RunbookEvidence> Rows, int Clients, long Total);

    private static async Task<FailedAuthFindings?> FailedAuthCoreAsync(RunbookContext ctx, RunbookStatus atLimit, RunbookStatus below, CancellationToken ct)
    {
        var limit = ctx.Engine.Config.Service.FailedAuthLimit;
        var capture = new CapturingReporter(ctx.Reporter);
        IReadOnlyList<LogFailedAuth> hourly;
        try
        {
            hourly = await ctx.Engine.Logs.CountFailedAuthAsync(new LogMeasureRequest { Logs = ["application"], Since = ctx.Since, By = LogInterval.Hour }, capture, ct).ConfigureAwait(false);
        }
        catch (LogException ex) when (ex.Failure == LogFailure.NotFound)
        {
            return null;
        }

        var clients = hourly
            .GroupBy(a => a.Client, StringComparer.Ordinal)
            .Select(g => (Client: g.Key, Total: g.Sum(a => a.Count), Peak: g.Max(a => a.Count), First: g.Min(a => a.First), Last: g.Max(a => a.Last)))
            .OrderByDescending(c => c.Total).ThenBy(c => c.First).ThenBy(c => c.Client, StringComparer.Ordinal)
            .ToList();
        var rows = clients.Take(TopClients).Select((c, i) => new RunbookEvidence(c.Client, "FailedAuth", c.Total, $"< {limit} per hour",
            c.Peak >= limit ? atLimit : below,
            $"rank {i + 1}; at most {c.Peak} in one hour; first {Fmt.Time(c.First)}, last {Fmt.Time(c.Last)}")).ToList();
        if (clients.Count > TopClients)
        {
            var rest = clients.Skip(TopClients).ToList();
            rows.Add(new($"({rest.Count} more clients)", "FailedAuth", rest.Sum(c => c.Total), $"< {limit} per hour",
                rest.Any(c => c.Peak >= limit) ? atLimit : below, $"at most {rest.Max(c => c.Peak)} from one of them in one hour"));
        }

        rows.AddRange(capture.Rows());
        return new FailedAuthFindings(rows, clients.Count, clients.Sum(c => c.Total));
    }

    /// <summary>
    /// Rate-limit violations (6.1): requests the service refused because their client had too many failed authentications
    /// (application.log) and 429 answers in access.log, per client. Any warns: a client kept trying after being locked out.
    /// </summary>
    public static async Task<RunbookOutcome> RateLimitsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var capture = new CapturingReporter(ctx.Reporter);
        IReadOnlyList<LogRateLimit> limits;
        try
        {
            // access.log only where the gateway wrote one: its absence is normal with another router, not a warning.
            IReadOnlyList<string> sources = ctx.Engine.Logs.GetLogFiles("access").Count > 0 ? ["application", "access"] : ["application"];
            limits = await ctx.Engine.Logs.CountRateLimitsAsync(new LogMeasureRequest { Logs = sources, Since = ctx.Since }, capture, ct).ConfigureAwait(false);
        }
        catch (LogException ex) when (ex.Failure == LogFailure.NotFound)
        {
            throw new RunbookSkipException($"There is no application.log in {ctx.Engine.Logs.LogsFolder}, where the monitoring service logs the requests it refuses: nothing has logged to this ops root.");
        }

        var rows = limits.Take(TopClients)
            .Select(l => new RunbookEvidence(l.Client, "RateLimited", l.Count, "0", RunbookStatus.Warn, $"first {Fmt.Time(l.First)}, last {Fmt.Time(l.Last)}"))
            .ToList();
        if (limits.Count > TopClients)
        {
            rows.Add(new($"({limits.Count - TopClients} more clients)", "RateLimited", limits.Skip(TopClients).Sum(l => l.Count), "0", RunbookStatus.Warn, null));
        }

        rows.AddRange(capture.Rows());
        var total = limits.Sum(l => l.Count);
        var detail = total == 0
            ? $"No request was refused for too many failed authentications, and no 429 answer, since {Fmt.Time(ctx.Since)}."
            : $"{Fmt.N(total)} requests refused by the rate limit since {Fmt.Time(ctx.Since)}, from {string.Join(", ", limits.Take(5).Select(l => $"{l.Client} ({l.Count})"))}{(limits.Count > 5 ? " and others" : string.Empty)}: these clients went on after being locked out.";
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>
    /// Suspicious access (2.2.3 step 1, 6.1): the gateway's access.log answers 401, 403 and other 4xx per client — refused
    /// credentials, and requests for paths no wrapper serves (scanning). A client refused at least the lockout limit or
    /// <see cref="ProbingRefusals"/> times fails; any refusal, or many 404s, warns. Skipped when the gateway never wrote an
    /// access.log here.
    /// </summary>
    public static async Task<RunbookOutcome> SuspiciousAccessAsync(RunbookContext ctx, CancellationToken ct)
    {
        var limit = ctx.Engine.Config.Service.FailedAuthLimit;
        var capture = new CapturingReporter(ctx.Reporter);
        var perClient = new Dictionary<string, ClientAccess>(StringComparer.Ordinal);
        try
        {
            var request = new LogSearchRequest { Logs = ["access"], Since = ctx.Since, Pattern = "\" 4[0-9][0-9] " };
            await foreach (var e in ctx.Engine.Logs.SearchAsync(request, capture, ct).ConfigureAwait(false))
            {
                if (e.Properties.TryGetValue("Client", out var c) && c is string client && e.Properties.TryGetValue("Status", out var s) && s is int status)
                {
                    if (!perClient.TryGetValue(client, out var access))
                    {
                        perClient[client] = access = new ClientAccess();
                    }

                    access.Add(status, e.Properties.TryGetValue("RequestPath", out var p) ? p as string : null, e.Timestamp);
                }
            }
        }
        catch (LogException ex) when (ex.Failure == LogFailure.NotFound)
        {
            throw new RunbookSkipException(NoAccessLog(ctx));
        }

        var rows = perClient
            .OrderByDescending(kv => kv.Value.Refused).ThenByDescending(kv => kv.Value.Total).ThenBy(kv => kv.Key, StringComparer.Ordinal)
            .Take(TopClients)
            .Select(kv => new RunbookEvidence(kv.Key, "Refused", kv.Value.Refused, "0",
                kv.Value.Refused >= Math.Min(limit, ProbingRefusals) ? RunbookStatus.Fail
                : kv.Value.Refused > 0 || kv.Value.Total >= ProbingRefusals ? RunbookStatus.Warn
                : null,
                $"4xx answers: {kv.Value.Describe()}; paths: {string.Join(", ", kv.Value.TopPaths(5))}; first {Fmt.Time(kv.Value.First)}, last {Fmt.Time(kv.Value.Last)}"))
            .ToList();
        rows.AddRange(capture.Rows());
        var flagged = rows.Where(r => r is { Measure: "Refused", Status: RunbookStatus.Fail or RunbookStatus.Warn }).ToList();
        var detail = perClient.Count == 0
            ? $"No 4xx answer in access.log since {Fmt.Time(ctx.Since)}."
            : flagged.Count == 0
                ? $"{Fmt.N(perClient.Values.Sum(a => a.Total))} 4xx answers since {Fmt.Time(ctx.Since)}, none refused credentials and no client scanned: {string.Join(", ", perClient.Keys.Take(5))}."
                : $"Suspicious since {Fmt.Time(ctx.Since)}: {string.Join("; ", flagged.Select(r => $"{r.Subject} ({r.Note![..r.Note!.IndexOf(';', StringComparison.Ordinal)]})"))}. Preserve the logs (the report holds this evidence) and block the addresses that are not yours.";
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>
    /// Unusual traffic (2.2.3 step 3): the gateway's requests per hour from access.log, and the busiest clients. An hour
    /// with <see cref="SpikeFactor"/> times the median hour's requests (and at least <see cref="SpikeFloor"/>) warns;
    /// the clients inform. Skipped when the gateway never wrote an access.log here.
    /// </summary>
    public static async Task<RunbookOutcome> UnusualTrafficAsync(RunbookContext ctx, CancellationToken ct)
    {
        var capture = new CapturingReporter(ctx.Reporter);
        var perHour = new SortedDictionary<DateTimeOffset, long>();
        var perClient = new Dictionary<string, long>(StringComparer.Ordinal);
        long total = 0;
        try
        {
            await foreach (var e in ctx.Engine.Logs.SearchAsync(new LogSearchRequest { Logs = ["access"], Since = ctx.Since }, capture, ct).ConfigureAwait(false))
            {
                if (e.Timestamp is not { } at || !e.Properties.TryGetValue("Client", out var c) || c is not string client)
                {
                    continue;
                }

                var hour = TimeBuckets.HourOf(at);
                perHour[hour] = perHour.GetValueOrDefault(hour) + 1;
                perClient[client] = perClient.GetValueOrDefault(client) + 1;
                total++;
            }
        }
        catch (LogException ex) when (ex.Failure == LogFailure.NotFound)
        {
            throw new RunbookSkipException(NoAccessLog(ctx));
        }

        // Hours of the window without a request count as zero: quiet hours and one busy one is the pattern to see.
        // Lines stamped after the run started (written since, or by a clock ahead) keep their own hours.
        var firstHour = TimeBuckets.HourOf(ctx.Since);
        var lastHour = TimeBuckets.HourOf(ctx.Now);
        var hours = new List<(DateTimeOffset Hour, long Count)>();
        for (var h = firstHour; h <= lastHour; h = h.AddHours(1))
        {
            hours.Add((h, perHour.GetValueOrDefault(h)));
        }

        hours.AddRange(perHour.Where(kv => kv.Key > lastHour).Select(kv => (kv.Key, kv.Value)));

        var sorted = hours.Select(h => h.Count).Order().ToList();
        var median = sorted.Count == 0 ? 0 : sorted[(sorted.Count - 1) / 2];
        var rows = new List<RunbookEvidence>
        {
            new("all clients", "Requests", total, null, null, $"{hours.Count} hours since {Fmt.Time(ctx.Since)}; median {Fmt.N(median)} per hour; hourly, oldest first: {string.Join(", ", hours.Select(h => h.Count))}"),
        };
        var spikes = hours.Where(h => h.Count >= SpikeFloor && h.Count >= SpikeFactor * Math.Max(median, 1)).ToList();
        rows.AddRange(spikes.Select(h => new RunbookEvidence(Fmt.Time(h.Hour), "RequestsPerHour", h.Count, $"< {Fmt.N(SpikeFactor * Math.Max(median, 1), 0)}", RunbookStatus.Warn,
            $"{Fmt.N(h.Count / (double)Math.Max(median, 1), 1)} times the median hour")));
        rows.AddRange(perClient.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(5)
            .Select(kv => new RunbookEvidence(kv.Key, "Requests", kv.Value, null, null, $"{Fmt.N(100.0 * kv.Value / Math.Max(total, 1), 1)} % of the requests")));
        rows.AddRange(capture.Rows());
        var detail = total == 0
            ? $"No request through the gateway since {Fmt.Time(ctx.Since)}."
            : spikes.Count == 0
                ? $"{Fmt.N(total)} requests since {Fmt.Time(ctx.Since)} from {Fmt.Count(perClient.Count, "client")}; no hour with {Fmt.N(SpikeFactor, 0)} times the median ({Fmt.N(median)}) and at least {Fmt.N(SpikeFloor)} requests."
                : $"Traffic spikes since {Fmt.Time(ctx.Since)}: {string.Join(", ", spikes.Select(h => $"{Fmt.Time(h.Hour)} ({Fmt.N(h.Count)} requests)"))} against a median hour of {Fmt.N(median)}; the busiest clients are in the evidence. If they are not yours, rate-limit or block them.";
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>Error types of one wrapper's log lines since the window's start, for the external API item; empty when there is no log.</summary>
    public static async Task<IReadOnlyList<LogErrorCount>> ErrorsOfAsync(RunbookContext ctx, string wrapper, CancellationToken ct)
    {
        try
        {
            return await ctx.Engine.Logs.CountErrorsAsync(new LogMeasureRequest { Logs = ["application"], Since = ctx.Since, Wrapper = wrapper }, NullReporter.Instance, ct).ConfigureAwait(false);
        }
        catch (LogException)
        {
            return [];
        }
    }

    private static string NoAccessLog(RunbookContext ctx) =>
        $"There is no access.log in {ctx.Engine.Logs.LogsFolder}: the monitoring service's gateway writes it, and it has not carried traffic for this ops root (deployment.router is {ctx.Engine.Config.Deployment.Router}).";

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..297] + "...";

    /// <summary>One client's 4xx answers: by status, by path, first and last.</summary>
    private sealed class ClientAccess
    {
        private readonly Dictionary<int, long> _byStatus = [];
        private readonly Dictionary<string, long> _byPath = new(StringComparer.Ordinal);

        public long Total { get; private set; }

        /// <summary>Refused credentials: 401 and 403.</summary>
        public long Refused => _byStatus.GetValueOrDefault(401) + _byStatus.GetValueOrDefault(403);

        public DateTimeOffset? First { get; private set; }

        public DateTimeOffset? Last { get; private set; }

        public void Add(int status, string? path, DateTimeOffset? at)
        {
            Total++;
            _byStatus[status] = _byStatus.GetValueOrDefault(status) + 1;
            if (path is not null)
            {
                _byPath[path] = _byPath.GetValueOrDefault(path) + 1;
            }

            if (at is { } t)
            {
                First = First is null || t < First ? t : First;
                Last = Last is null || t > Last ? t : Last;
            }
        }

        public string Describe() => string.Join(", ", _byStatus.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} x{kv.Value}"));

        public IEnumerable<string> TopPaths(int n) => _byPath.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Take(n).Select(kv => kv.Key);
    }

    /// <summary>Passes progress on, and keeps what the log service warns about (an unreadable rotated file, a missing log) as evidence.</summary>
    private sealed class CapturingReporter(IOpsReporter inner) : IOpsReporter
    {
        private readonly ConcurrentQueue<string> _warnings = new();

        public void Progress(OpsProgress progress) => inner.Progress(progress);

        public void Verbose(string message) => inner.Verbose(message);

        public void Warning(string message) => _warnings.Enqueue(message);

        public IEnumerable<RunbookEvidence> Rows() => _warnings.Select(w => new RunbookEvidence("logs", "Warning", w, null, RunbookStatus.Warn, null));
    }
}
