using System.Globalization;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// The health capability: probes the fleet, records what it saw, and computes windows and scores. Every window combines
/// the exact operation records (probes) with the gateway's traffic aggregates; an aggregate belongs to a window when
/// its bucket (the second its requests ended in) starts inside the window.
/// </summary>
public sealed class HealthService
{
    /// <summary>The settings key under which the deployment capability records the active slot.</summary>
    public const string ActiveSlotKey = "deployment.active_slot";

    private readonly OpsConfig _config;
    private readonly IStateStore _store;
    private readonly WrapperProber _prober;
    private readonly WrapperProber _verifier;
    private readonly TimeProvider _time;
    private readonly ILogger _monitorLog;
    private readonly ILogger _healthLog;

    /// <param name="verifier">Probes a rotation's new value once per call (no retries: the caller decides when to ask again); the main prober when null.</param>
    public HealthService(OpsConfig config, IStateStore store, WrapperProber prober, TimeProvider time, ILogger log, WrapperProber? verifier = null)
    {
        _verifier = verifier ?? prober;
        _config = config;
        _store = store;
        _prober = prober;
        _time = time;
        _monitorLog = log.ForCategory(OpsLogging.MonitorCategory);
        _healthLog = log.ForCategory("health");
    }

    /// <summary>The slot taking traffic: the one a switch recorded in the store, else the configured one.</summary>
    public async Task<string> GetActiveSlotAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.Settings.GetAsync(ActiveSlotKey, cancellationToken).ConfigureAwait(false);
        return stored is not null && _config.FindSlot(stored) is not null ? stored : _config.ActiveSlot;
    }

    /// <summary>
    /// The statistics of one wrapper (or every wrapper, when null) in one slot over [since, until), from probes
    /// (<see cref="OperationSource.Probe"/>: probe records only), gateway traffic (<see cref="OperationSource.Traffic"/>:
    /// the traffic aggregates whose second starts in the window, plus any traffic rows an older version recorded) or
    /// both (<paramref name="source"/> null). Deployment analysis judges a new slot by these.
    /// </summary>
    public async Task<WindowStats> GetWindowStatsAsync(string? wrapper, string slot, DateTimeOffset since, DateTimeOffset until, OperationSource? source, CancellationToken cancellationToken)
    {
        // A long window (a day, the monthly review) counts its probes from their hourly rollup up to the last whole
        // hours, and reads the records only for those (what the newest probe and the trailing failures need): probe
        // records are kept for days, their hours for a year. Percentiles of such a window are the histogram's.
        var split = since;
        if (source != OperationSource.Traffic)
        {
            var hour = TimeBuckets.HourOf(until - RecentProbeRecords);
            split = hour > since ? hour : since;
        }

        var records = await _store.Health.GetAsync(new OperationQuery(split, until) { Wrapper = wrapper, Slot = slot, Source = source }, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<TrafficAggregate> probes = split > since
            ? await _store.Health.GetProbeTrafficAsync(new TrafficQuery(since, split) { Wrapper = wrapper, Slot = slot }, cancellationToken).ConfigureAwait(false)
            : [];
        IReadOnlyList<TrafficAggregate> traffic = source == OperationSource.Probe
            ? []
            : await _store.Health.GetTrafficAsync(new TrafficQuery(since, until) { Wrapper = wrapper, Slot = slot }, cancellationToken).ConfigureAwait(false);
        return WindowStats.From(records, probes.Count == 0 ? traffic : [.. traffic, .. probes]);
    }

    /// <summary>Gateway traffic and probes of a stepped query, both as aggregates per step (each from its coarsest rows).</summary>
    private async Task<IReadOnlyList<TrafficAggregate>> GetStepsAsync(TrafficQuery query, CancellationToken cancellationToken)
    {
        var traffic = await _store.Health.GetTrafficAsync(query, cancellationToken).ConfigureAwait(false);
        var probes = await _store.Health.GetProbeTrafficAsync(query, cancellationToken).ConfigureAwait(false);
        return [.. traffic, .. probes];
    }

    /// <summary>How much of a window's end <see cref="GetWindowStatsAsync"/> reads as probe records (rounded back to a whole hour).</summary>
    internal static readonly TimeSpan RecentProbeRecords = TimeSpan.FromHours(2);

    /// <summary>
    /// Health of the given wrappers (all when null) in the given slot (all when null). Probes first those whose
    /// newest stored probe is older than one interval — or all of them when <paramref name="live"/>.
    /// </summary>
    public async Task<IReadOnlyList<WrapperHealth>> GetWrapperHealthAsync(
        IReadOnlyCollection<string>? wrappers, string? slot, bool live, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var pairs = Select(wrappers, slot);
        await ProbeStaleAsync(pairs, live, reporter, cancellationToken).ConfigureAwait(false);
        var activeSlot = await GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        return await AssessAsync(pairs, activeSlot, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The runbook's system health over the active slot's wrappers, probing stale ones first.</summary>
    public async Task<SystemHealth> GetSystemHealthAsync(bool live, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var activeSlot = await GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var pairs = Select(null, activeSlot);
        await ProbeStaleAsync(pairs, live, reporter, cancellationToken).ConfigureAwait(false);
        var wrappers = await AssessAsync(pairs, activeSlot, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var recent = await _store.Health.GetAsync(new OperationQuery(now.AddMinutes(-5), now.AddMilliseconds(1)) { Slot = activeSlot }, cancellationToken).ConfigureAwait(false);
        var recentTraffic = await _store.Health.GetTrafficAsync(new TrafficQuery(now.AddMinutes(-5), now.AddMilliseconds(1)) { Slot = activeSlot }, cancellationToken).ConfigureAwait(false);
        var inFlight = await CountInFlightAsync(now, cancellationToken).ConfigureAwait(false);

        var known = wrappers.Where(w => w.HealthScore is not null).ToList();
        double? overall = known.Count == 0 ? null : Math.Round(known.Average(w => w.HealthScore!.Value), 1);
        var total = wrappers.Sum(w => w.TotalOperations);
        var errors = wrappers.Sum(w => w.ErrorCount);
        var t = _config.Thresholds;
        var status = overall is not { } score ? HealthStatus.Unknown
            : score < t.HealthCriticalPercent ? HealthStatus.Critical
            : score < t.HealthWarningPercent ? HealthStatus.Unhealthy
            : wrappers.Any(w => w.Status != HealthStatus.Healthy) ? HealthStatus.Degraded
            : HealthStatus.Healthy;
        var healthy = wrappers.Count(w => w.Status == HealthStatus.Healthy);
        return new SystemHealth
        {
            OverallHealthScore = overall,
            SystemStatus = status,
            ActiveSlot = activeSlot,
            ActiveWrappers = wrappers.Count,
            HealthyWrappers = healthy,
            UnhealthyWrappers = wrappers.Count(w => w.Status is HealthStatus.Unhealthy or HealthStatus.Critical),
            HealthPercentage = wrappers.Count == 0 ? null : Math.Round(100.0 * healthy / wrappers.Count, 1),
            TotalOperations = total,
            ActiveOperations = inFlight,
            OverallSuccessRate = total == 0 ? null : Math.Round(100.0 * (total - errors) / total, 2),
            ErrorCount = errors,
            OperationsPerMinute = Math.Round((recent.Count(r => r.Status is not (OperationStatus.Started or OperationStatus.Cancelled)) + recentTraffic.Sum(a => a.Completed)) / 5.0, 2),
            LastHealthCheck = wrappers.Max(w => w.LastCheck),
            Wrappers = wrappers,
        };
    }

    /// <summary>
    /// Requests in flight: the gateway's own count when it published one within <see cref="GatewayInFlight.FreshFor"/>
    /// (it counts in memory and never writes "started" records, for speed), else the store's started-but-not-ended records.
    /// </summary>
    private async Task<int> CountInFlightAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var published = GatewayInFlight.Parse(await _store.Settings.GetAsync(GatewayInFlight.SettingKey, cancellationToken).ConfigureAwait(false));
        return published is not null && published.IsFreshAt(now)
            ? published.Count
            : await _store.Health.CountInFlightAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Hourly buckets of one wrapper's operations over the last <paramref name="hours"/> hours, oldest first.</summary>
    public async Task<IReadOnlyList<WrapperMetricBucket>> GetMetricsAsync(string wrapper, string slot, int hours, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(hours, 1);
        var now = _time.GetUtcNow();
        var firstHour = TimeBuckets.HourOf(now).AddHours(-(hours - 1));
        // Probes and traffic both counted per hour: whole hours from their hourly rollups, the current one from the
        // finer rows. A percentile is then the histogram's (within LatencyHistogram.MaxRelativeError).
        var steps = await GetStepsAsync(new TrafficQuery(firstHour, now.AddMilliseconds(1)) { Wrapper = wrapper, Slot = slot, Step = TimeSpan.FromHours(1) }, cancellationToken).ConfigureAwait(false);
        var trafficByHour = steps.ToLookup(a => (int)Math.Floor((a.BucketStart - firstHour).TotalHours));
        var buckets = new List<WrapperMetricBucket>(hours);
        for (var h = 0; h < hours; h++)
        {
            var s = WindowStats.From([], trafficByHour[h]);
            buckets.Add(new WrapperMetricBucket
            {
                Wrapper = wrapper,
                Slot = slot,
                Timestamp = firstHour.AddHours(h),
                TotalOperations = s.Total,
                SuccessCount = s.Successes,
                ErrorCount = s.Errors,
                FallbackCount = s.Fallbacks,
                SuccessRate = s.SuccessRate,
                ErrorRate = s.ErrorRate,
                FallbackRate = s.FallbackRate,
                AvgResponseTimeMs = s.AverageMs,
                P95Ms = s.P95Ms,
            });
        }

        return buckets;
    }

    /// <summary>Probes the given wrappers and slots now, records every result, and logs the round.</summary>
    public async Task<IReadOnlyList<OperationRecord>> ProbeAsync(IReadOnlyList<(WrapperDefinition Wrapper, SlotDefinition Slot)> pairs, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var targets = pairs
            .Select(p => new ProbeTarget(p.Wrapper.Name, p.Slot.Name, HealthUrl(p.Slot.UrlOf(p.Wrapper.Name)!, p.Wrapper.HealthPath)))
            .ToList();
        var start = _time.GetTimestamp();
        var results = await _prober.ProbeAllAsync(targets, reporter, cancellationToken).ConfigureAwait(false);
        var saved = await _store.Health.AddAsync(results, cancellationToken).ConfigureAwait(false);

        foreach (var r in saved)
        {
            if (r.IsFailure)
            {
                _monitorLog.Error("{ErrorType} probe {Wrapper}/{Slot} failed after {Attempts} attempt(s): {Reason} response_time: {ResponseTime}",
                    r.ErrorCode, r.Wrapper, r.Slot, r.Attempts, r.ErrorMessage, Ms(r.DurationMs));
            }
            else
            {
                _monitorLog.Information("probe {Wrapper}/{Slot} {Status} attempts={Attempts} version={Version} response_time: {ResponseTime}",
                    r.Wrapper, r.Slot, r.Status.ToString(), r.Attempts, r.Version ?? "-", Ms(r.DurationMs));
            }
        }

        var ok = saved.Count(r => !r.IsFailure);
        _monitorLog.Information("round probed={Probed} healthy={Healthy} failed={Failed} duration_ms={Duration} success_rate: {SuccessRate}",
            saved.Count, ok, saved.Count - ok, Ms(_time.GetElapsedTime(start).TotalMilliseconds),
            saved.Count == 0 ? "-" : (100.0 * ok / saved.Count).ToString("0.##", CultureInfo.InvariantCulture));
        return saved;
    }

    /// <summary>
    /// Probes <paramref name="wrapper"/> in every slot with <paramref name="credential"/> as its bearer token, without
    /// recording anything: how a rotation proves a new value works before it becomes current.
    /// </summary>
    public async Task<IReadOnlyList<OperationRecord>> ProbeWithCredentialAsync(string wrapper, Secrets.SecretValue credential, CancellationToken cancellationToken)
    {
        var targets = Select([wrapper], null)
            .Select(p => new ProbeTarget(p.Wrapper.Name, p.Slot.Name, HealthUrl(p.Slot.UrlOf(p.Wrapper.Name)!, p.Wrapper.HealthPath), credential))
            .ToList();
        var results = await Task.WhenAll(targets.Select(t => _verifier.ProbeAsync(t, cancellationToken))).ConfigureAwait(false);
        return results;
    }

    /// <summary>Probes every wrapper in every slot now (the monitor loop's round), records every result, and logs the round.</summary>
    public Task<IReadOnlyList<OperationRecord>> ProbeAllAsync(IOpsReporter reporter, CancellationToken cancellationToken) =>
        ProbeAsync(Select(null, null), reporter, cancellationToken);

    private static string Ms(double? v) => v?.ToString("0.#", CultureInfo.InvariantCulture) ?? "-";

    private static Uri HealthUrl(Uri baseUrl, string path) =>
        new(baseUrl.AbsoluteUri.TrimEnd('/') + path);

    private List<(WrapperDefinition Wrapper, SlotDefinition Slot)> Select(IReadOnlyCollection<string>? wrappers, string? slot)
    {
        var slots = slot is null ? _config.Slots : _config.Slots.Where(s => string.Equals(s.Name, slot, StringComparison.OrdinalIgnoreCase)).ToList();
        return (from w in _config.Wrappers
                where wrappers is null || wrappers.Contains(w.Name, StringComparer.OrdinalIgnoreCase)
                from s in slots
                where s.UrlOf(w.Name) is not null
                select (w, s)).ToList();
    }

    private async Task ProbeStaleAsync(List<(WrapperDefinition Wrapper, SlotDefinition Slot)> pairs, bool live, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var toProbe = pairs;
        if (!live)
        {
            var last = await _store.Health.GetLastProbeTimesAsync(cancellationToken).ConfigureAwait(false);
            var now = _time.GetUtcNow();
            toProbe = pairs.Where(p => !last.TryGetValue((p.Wrapper.Name, p.Slot.Name), out var at) || now - at >= _config.HealthChecks.Interval).ToList();
            if (toProbe.Count < pairs.Count)
            {
                reporter.Verbose($"{pairs.Count - toProbe.Count} of {pairs.Count} wrapper(s) were probed within the last {_config.HealthChecks.Interval.TotalSeconds:0} s; using stored results for them.");
            }
        }

        if (toProbe.Count > 0)
        {
            await ProbeAsync(toProbe, reporter, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<IReadOnlyList<WrapperHealth>> AssessAsync(List<(WrapperDefinition Wrapper, SlotDefinition Slot)> pairs, string activeSlot, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var window = _config.HealthChecks.Window;
        // Only what is asked for: the one slot (the alert round and the system health read the active slot's wrappers
        // only: half the rows) or the one wrapper, when all the pairs share it.
        var slot = pairs.Select(p => p.Slot.Name).Distinct(StringComparer.Ordinal).Count() == 1 ? pairs[0].Slot.Name : null;
        var wrapper = pairs.Select(p => p.Wrapper.Name).Distinct(StringComparer.Ordinal).Count() == 1 ? pairs[0].Wrapper.Name : null;
        var records = await _store.Health.GetAsync(new OperationQuery(now - window, now.AddMilliseconds(1)) { Wrapper = wrapper, Slot = slot }, cancellationToken).ConfigureAwait(false);
        var traffic = await _store.Health.GetTrafficAsync(new TrafficQuery(now - window, now.AddMilliseconds(1)) { Wrapper = wrapper, Slot = slot }, cancellationToken).ConfigureAwait(false);
        var byPair = records.ToLookup(r => (r.Wrapper, r.Slot));
        var trafficByPair = traffic.ToLookup(a => (a.Wrapper, a.Slot));
        var lastProbes = await _store.Health.GetLastProbeTimesAsync(cancellationToken).ConfigureAwait(false);
        var result = new List<WrapperHealth>(pairs.Count);
        foreach (var (w, s) in pairs)
        {
            var stats = WindowStats.From(byPair[(w.Name, s.Name)], trafficByPair[(w.Name, s.Name)]);
            var a = HealthScorer.Assess(stats, _config.Thresholds, _config.HealthChecks.MinimumSamples);
            var version = byPair[(w.Name, s.Name)].LastOrDefault(r => r.Source == OperationSource.Probe && r.Version is not null)?.Version;
            result.Add(new WrapperHealth
            {
                Name = w.Name,
                Slot = s.Name,
                Status = a.Status,
                HealthScore = a.Score,
                SuccessRate = stats.SuccessRate,
                ErrorRate = stats.ErrorRate,
                FallbackRate = stats.FallbackRate,
                P50Ms = stats.P50Ms,
                P95Ms = stats.P95Ms,
                P99Ms = stats.P99Ms,
                AverageMs = stats.AverageMs,
                TotalOperations = stats.Total,
                ErrorCount = stats.Errors,
                FallbackCount = stats.Fallbacks,
                LastActivity = stats.LastActivity,
                LastCheck = lastProbes.TryGetValue((w.Name, s.Name), out var lc) ? lc : null,
                Message = a.Message,
                Kind = w.Kind,
                Url = s.UrlOf(w.Name)!,
                Version = version,
                Active = string.Equals(s.Name, activeSlot, StringComparison.OrdinalIgnoreCase),
                LastProbeAttempts = stats.LastProbe?.Attempts,
                ConsecutiveProbeFailures = stats.TrailingProbeFailures,
                Window = window,
            });

            if (a.Status is HealthStatus.Unhealthy or HealthStatus.Critical)
            {
                _healthLog.Warning("{Wrapper}/{Slot} is {Status} (score {Score}): {Message}", w.Name, s.Name, a.Status.ToString(), a.Score, a.Message);
            }
        }

        return result;
    }

    /// <summary>
    /// One wrapper's operations in one slot from <paramref name="since"/> until now, in steps of <paramref name="step"/>,
    /// oldest first. Steps start on multiples of the step since the Unix epoch, so points stay put between calls;
    /// steps without operations are kept (with null rates) so a chart shows the gap.
    /// </summary>
    public async Task<IReadOnlyList<WrapperSeriesPoint>> GetSeriesAsync(string wrapper, string slot, DateTimeOffset since, TimeSpan step, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(step, TimeSpan.FromSeconds(1));
        var now = _time.GetUtcNow();
        if (since > now)
        {
            return [];
        }

        var first = new DateTimeOffset(since.UtcTicks - (since.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) % step.Ticks, TimeSpan.Zero);
        var count = (int)((now - first).Ticks / step.Ticks) + 1;
        var steps = await GetStepsAsync(new TrafficQuery(first, now.AddMilliseconds(1)) { Wrapper = wrapper, Slot = slot, Step = step }, cancellationToken).ConfigureAwait(false);
        var trafficBySteps = steps.ToLookup(a => (int)((a.BucketStart - first).Ticks / step.Ticks));
        var points = new List<WrapperSeriesPoint>(count);
        for (var i = 0; i < count; i++)
        {
            var s = WindowStats.From([], trafficBySteps[i]);
            points.Add(new WrapperSeriesPoint
            {
                Timestamp = first + (step * i),
                TotalOperations = s.Total,
                SuccessRate = s.SuccessRate,
                P50Ms = s.P50Ms,
                P95Ms = s.P95Ms,
                P99Ms = s.P99Ms,
            });
        }

        return points;
    }
}
