using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on the health capability: the dashboard, wrapper health, performance and external APIs.</summary>
internal static class HealthChecks
{
    /// <summary>The runbook's dashboard target for the system health score (1.1: "target: &gt;95%"); no configuration key.</summary>
    public const double DashboardTargetPercent = 95;

    /// <summary>The runbook's performance target for the success rate (5.1: "&gt; 99%"); the alert threshold (95 %) is the configured minimum.</summary>
    public const double SuccessTargetPercent = 99;

    /// <summary>
    /// The health dashboard (1.1, 3.3.1): the system health of the active slot and each of its wrappers. Maintenance
    /// reads the stored window (probing only wrappers without a probe in the last interval); an incident probes now.
    /// </summary>
    public static async Task<RunbookOutcome> DashboardAsync(RunbookContext ctx, CancellationToken ct)
    {
        var t = ctx.Engine.Config.Thresholds;
        var sys = await ctx.Engine.Health.GetSystemHealthAsync(live: !ctx.IsMaintenance, ctx.Reporter, ct).ConfigureAwait(false);
        var systemStatus = sys.SystemStatus switch
        {
            HealthStatus.Critical => RunbookStatus.Fail,
            HealthStatus.Healthy when sys.OverallHealthScore >= DashboardTargetPercent => RunbookStatus.Pass,
            _ => RunbookStatus.Warn,
        };
        var rows = new List<RunbookEvidence>
        {
            new("system", "HealthScore", sys.OverallHealthScore, $"> {Fmt.N(DashboardTargetPercent)}", systemStatus,
                $"{sys.SystemStatus} in slot {sys.ActiveSlot}; {sys.HealthyWrappers} of {sys.ActiveWrappers} wrappers healthy; success {Fmt.Pct(sys.OverallSuccessRate)} over {Fmt.N(sys.TotalOperations)} operations; {Fmt.N(sys.OperationsPerMinute, 2)} operations/min; {sys.ActiveOperations} in flight"),
        };
        foreach (var w in sys.Wrappers)
        {
            rows.Add(new($"{w.Name}/{w.Slot}", "HealthScore", w.HealthScore, $">= {Fmt.N(t.HealthWarningPercent)}", StatusOf(w.Status),
                $"{w.Status}: {w.Message}; success {Fmt.Pct(w.SuccessRate)}, P95 {Fmt.Ms(w.P95Ms)}, {w.TotalOperations} samples"));
        }

        var status = RunbookOutcome.Worst(rows);
        var notHealthy = sys.Wrappers.Where(w => w.Status != HealthStatus.Healthy).ToList();
        var score = sys.OverallHealthScore is { } s ? $"score {Fmt.N(s)}" : "no score";
        var detail = $"System {sys.SystemStatus}, {score} (target > {Fmt.N(DashboardTargetPercent)}); {sys.HealthyWrappers} of {sys.ActiveWrappers} wrappers healthy in slot {sys.ActiveSlot}.";
        if (notHealthy.Count > 0)
        {
            detail += $" Not healthy: {string.Join("; ", notHealthy.Select(w => $"{w.Name} ({w.Status}: {w.Message})"))}. Get-WrapperHealth -Slot {sys.ActiveSlot} shows the details.";
        }

        if (sys.SystemStatus == HealthStatus.Unknown)
        {
            detail += $" Too few samples in the {Fmt.Span(ctx.Engine.Config.HealthChecks.Window)} window to score: is the monitoring service probing (Get-OpsService)?";
        }

        return new RunbookOutcome(status, detail, rows);
    }

    /// <summary>
    /// Wrapper health in every slot, probed now (2.2.1): a wrapper of the active slot that does not answer, or scores
    /// Unhealthy or Critical, fails; the standby slot only warns (it takes no traffic, but it is where a rollback goes).
    /// </summary>
    public static async Task<RunbookOutcome> WrapperHealthAsync(RunbookContext ctx, CancellationToken ct)
    {
        var health = await ctx.Engine.Health.GetWrapperHealthAsync(null, null, live: true, ctx.Reporter, ct).ConfigureAwait(false);
        var rows = new List<RunbookEvidence>();
        foreach (var w in health.OrderByDescending(h => h.Active).ThenBy(h => h.Name, StringComparer.Ordinal))
        {
            var down = w.ConsecutiveProbeFailures > 0;
            var bad = down || w.Status is HealthStatus.Unhealthy or HealthStatus.Critical;
            var rowStatus = bad ? (w.Active ? RunbookStatus.Fail : RunbookStatus.Warn)
                : w.Status == HealthStatus.Degraded ? RunbookStatus.Warn
                : RunbookStatus.Pass;
            var note = down
                ? $"{(w.Active ? "active" : "standby")}; the newest probe failed ({w.ConsecutiveProbeFailures} in a row): {w.Message}"
                : $"{(w.Active ? "active" : "standby")}; score {Fmt.N(w.HealthScore)}: {w.Message}; P95 {Fmt.Ms(w.P95Ms)}, version {w.Version ?? "-"}";
            rows.Add(new($"{w.Name}/{w.Slot}", "Health", w.Status.ToString(), "Healthy", rowStatus, note));
        }

        var status = RunbookOutcome.Worst(rows);
        var failing = health.Where(w => w.ConsecutiveProbeFailures > 0 || w.Status is HealthStatus.Unhealthy or HealthStatus.Critical).ToList();
        var detail = failing.Count == 0
            ? $"All {health.Count} wrapper instances answered the live probe{(health.Any(w => w.Status == HealthStatus.Degraded) ? "; some are Degraded (see the evidence)" : string.Empty)}."
            : $"Not answering or unhealthy: {string.Join(", ", failing.Select(w => $"{w.Name}/{w.Slot}{(w.Active ? " (active)" : string.Empty)}"))}. "
              + (failing.Any(w => w.Active)
                  ? "Restart the affected wrappers, or switch to the standby slot if it is healthy (Switch-DeploymentSlot)."
                  : "Only the standby slot is affected: fix it before the next switch.");
        return new RunbookOutcome(status, detail, rows);
    }

    /// <summary>
    /// Performance over the window against the runbook's targets (5.1): P95 below maxP95Ms (2000), P99 below maxP99Ms
    /// (5000), success above 99 % — and a failure below the configured minimum success rate (the critical alert's 95 %).
    /// The trend of P95 is in each row's note, one value per day (per hour for a window under two days).
    /// </summary>
    public static async Task<RunbookOutcome> PerformanceTrendsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var t = config.Thresholds;
        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var step = ctx.Window >= TimeSpan.FromDays(2) ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        var rows = new List<RunbookEvidence>();
        var withData = 0;
        foreach (var w in WrappersIn(config, active))
        {
            ct.ThrowIfCancellationRequested();
            var subject = $"{w.Name}/{active}";
            var stats = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, ctx.Since, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            if (stats.Total == 0)
            {
                rows.Add(new(subject, "Operations", 0, "> 0", RunbookStatus.Warn, $"nothing recorded since {Fmt.Time(ctx.Since)}"));
                continue;
            }

            withData++;
            var trend = new List<string>();
            for (var from = ctx.Since; from < ctx.Now; from += step)
            {
                var until = from + step < ctx.Now ? from + step : ctx.Now.AddMilliseconds(1);
                var part = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, from, until, null, ct).ConfigureAwait(false);
                trend.Add(Fmt.N(part.P95Ms, 0));
            }

            var per = step == TimeSpan.FromDays(1) ? "day" : "hour";
            rows.Add(new(subject, "P95Ms", Fmt.Round(stats.P95Ms), $"< {Fmt.N(t.MaxP95Ms, 0)}",
                stats.P95Ms >= t.MaxP95Ms ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"P50 {Fmt.Ms(stats.P50Ms)}; P95 per {per}, oldest first: {string.Join(", ", trend)}"));
            rows.Add(new(subject, "P99Ms", Fmt.Round(stats.P99Ms), $"< {Fmt.N(t.MaxP99Ms, 0)}",
                stats.P99Ms >= t.MaxP99Ms ? RunbookStatus.Warn : RunbookStatus.Pass, $"mean {Fmt.Ms(stats.AverageMs)}"));
            rows.Add(new(subject, "SuccessRate", stats.SuccessRate, $"> {Fmt.N(SuccessTargetPercent)}",
                stats.SuccessRate < t.MinSuccessRatePercent ? RunbookStatus.Fail : stats.SuccessRate <= SuccessTargetPercent ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"{Fmt.N(stats.Total)} operations, {Fmt.N(stats.Errors)} errors, {Fmt.N(stats.Fallbacks)} fallbacks"));
        }

        var status = RunbookOutcome.Worst(rows);
        var missed = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail).ToList();
        var detail = $"Slot {active} since {Fmt.Time(ctx.Since)} ({Fmt.Span(ctx.Window)}), against P95 < {Fmt.N(t.MaxP95Ms, 0)} ms, P99 < {Fmt.N(t.MaxP99Ms, 0)} ms, success > {Fmt.N(SuccessTargetPercent)} %: "
            + (missed.Count == 0
                ? $"all {withData} wrappers met every target."
                : $"missed by {string.Join(", ", missed.Select(r => r.Measure == "Operations" ? $"{r.Subject} (no data)" : $"{r.Subject} {r.Measure} {Fmt.N(r.Value as double?)}"))}.");
        return new RunbookOutcome(status, detail, rows);
    }

    /// <summary>
    /// Response times now (2.2.2): each active wrapper's newest hour (or the whole window when shorter) against the
    /// targets, with the window as the baseline. P95 or P99 over target warns; a mean over maxResponseMs (the runbook's
    /// "Response time &gt; 5000ms", a rollback trigger) fails.
    /// </summary>
    public static async Task<RunbookOutcome> ResponseTimesAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var t = config.Thresholds;
        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var recentSince = RecentSince(ctx);
        var rows = new List<RunbookEvidence>();
        foreach (var w in WrappersIn(config, active))
        {
            var subject = $"{w.Name}/{active}";
            var recent = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, recentSince, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            var baseline = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, ctx.Since, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            if (recent.Total == 0)
            {
                rows.Add(new(subject, "Operations", 0, "> 0", RunbookStatus.Warn, $"nothing recorded since {Fmt.Time(recentSince)}"));
                continue;
            }

            var baseNote = $"since {Fmt.Time(recentSince)}, {Fmt.N(recent.Total)} operations; baseline since {Fmt.Time(ctx.Since)}: P95 {Fmt.Ms(baseline.P95Ms)}, P99 {Fmt.Ms(baseline.P99Ms)}, mean {Fmt.Ms(baseline.AverageMs)}";
            rows.Add(new(subject, "P95Ms", Fmt.Round(recent.P95Ms), $"< {Fmt.N(t.MaxP95Ms, 0)}", recent.P95Ms >= t.MaxP95Ms ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"P50 {Fmt.Ms(recent.P50Ms)}; {baseNote}"));
            rows.Add(new(subject, "P99Ms", Fmt.Round(recent.P99Ms), $"< {Fmt.N(t.MaxP99Ms, 0)}", recent.P99Ms >= t.MaxP99Ms ? RunbookStatus.Warn : RunbookStatus.Pass, null));
            rows.Add(new(subject, "MeanMs", Fmt.Round(recent.AverageMs), $"<= {Fmt.N(t.MaxResponseMs, 0)}", recent.AverageMs > t.MaxResponseMs ? RunbookStatus.Fail : RunbookStatus.Pass, null));
        }

        var status = RunbookOutcome.Worst(rows);
        var slow = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail && r.Measure != "Operations").Select(r => r.Subject).Distinct().ToList();
        var detail = status == RunbookStatus.Pass
            ? $"Every wrapper of slot {active} is within P95 < {Fmt.N(t.MaxP95Ms, 0)} ms and P99 < {Fmt.N(t.MaxP99Ms, 0)} ms since {Fmt.Time(recentSince)}."
            : slow.Count > 0
                ? $"Slow since {Fmt.Time(recentSince)}: {string.Join(", ", slow)} (see the evidence against the baseline). Restart the affected wrappers or switch to fallback services; Get-WrapperMetric shows the hours."
                : $"No operations recorded for some wrappers of slot {active} since {Fmt.Time(recentSince)}: is the monitoring service probing?";
        return new RunbookOutcome(status, detail, rows);
    }

    /// <summary>
    /// The success-rate trend (2.2.2): each active wrapper's newest hour against the window. Below the configured minimum
    /// (the critical alert) fails; at or below 99 %, or a point or more under the window's rate, warns. The hourly
    /// rates are in the note.
    /// </summary>
    public static async Task<RunbookOutcome> SuccessRateTrendAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var t = config.Thresholds;
        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var recentSince = RecentSince(ctx);
        var hours = (int)Math.Clamp(Math.Ceiling(ctx.Window.TotalHours), 1, 744);
        var rows = new List<RunbookEvidence>();
        foreach (var w in WrappersIn(config, active))
        {
            var subject = $"{w.Name}/{active}";
            var recent = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, recentSince, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            var baseline = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, ctx.Since, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            var buckets = await ctx.Engine.Health.GetMetricsAsync(w.Name, active, hours, ct).ConfigureAwait(false);
            var hourly = string.Join(", ", buckets.Select(b => Fmt.N(b.SuccessRate, 1)));
            if (recent.Total == 0)
            {
                rows.Add(new(subject, "Operations", 0, "> 0", RunbookStatus.Warn, $"nothing recorded since {Fmt.Time(recentSince)}"));
                continue;
            }

            var falling = baseline.SuccessRate - recent.SuccessRate >= 1;
            var status = recent.SuccessRate < t.MinSuccessRatePercent ? RunbookStatus.Fail
                : recent.SuccessRate <= SuccessTargetPercent || falling ? RunbookStatus.Warn
                : RunbookStatus.Pass;
            rows.Add(new(subject, "SuccessRate", recent.SuccessRate, $"> {Fmt.N(SuccessTargetPercent)}", status,
                $"since {Fmt.Time(recentSince)} over {Fmt.N(recent.Total)} operations; window {Fmt.Pct(baseline.SuccessRate)} over {Fmt.N(baseline.Total)}{(falling ? " (falling)" : string.Empty)}; hourly, oldest first: {hourly}"));
        }

        var worst = RunbookOutcome.Worst(rows);
        var below = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail && r.Measure == "SuccessRate").ToList();
        var detail = worst == RunbookStatus.Pass
            ? $"Every wrapper of slot {active} answers over {Fmt.N(SuccessTargetPercent)} % since {Fmt.Time(recentSince)}, in line with the window."
            : below.Count > 0
                ? $"Falling or below target since {Fmt.Time(recentSince)}: {string.Join(", ", below.Select(r => $"{r.Subject} {Fmt.Pct(r.Value as double?)}"))}. Below {Fmt.N(t.MinSuccessRatePercent)} % is the critical threshold that triggers alerts and automatic rollback."
                : $"No operations recorded for some wrappers of slot {active} since {Fmt.Time(recentSince)}: is the monitoring service probing?";
        return new RunbookOutcome(worst, detail, rows);
    }

    /// <summary>
    /// External API issues (2.2.2): the external-tool wrappers of the active slot over the window — errors over the
    /// configured maximum fail; any errors, fallbacks over their maximum (the external API failed and a fallback
    /// answered) or a failing newest probe warn. The error types logged about each (application.log) are in the evidence.
    /// </summary>
    public static async Task<RunbookOutcome> ExternalApisAsync(RunbookContext ctx, CancellationToken ct)
    {
        var config = ctx.Engine.Config;
        var t = config.Thresholds;
        var external = config.Wrappers.Where(w => w.Kind == WrapperKind.ExternalTool).ToList();
        if (external.Count == 0)
        {
            return RunbookOutcome.Skipped($"The configuration ({config.SourcePath}) has no wrapper of kind external-tool, so there is no external API to check.");
        }

        var active = await ctx.Engine.Health.GetActiveSlotAsync(ct).ConfigureAwait(false);
        var rows = new List<RunbookEvidence>();
        foreach (var w in external.Where(w => config.FindSlot(active)?.UrlOf(w.Name) is not null))
        {
            var subject = $"{w.Name}/{active}";
            var stats = await ctx.Engine.Health.GetWindowStatsAsync(w.Name, active, ctx.Since, ctx.Now.AddMilliseconds(1), null, ct).ConfigureAwait(false);
            if (stats.Total == 0)
            {
                rows.Add(new(subject, "Operations", 0, "> 0", RunbookStatus.Warn, $"nothing recorded since {Fmt.Time(ctx.Since)}"));
                continue;
            }

            var lastProbe = stats.LastProbe;
            rows.Add(new(subject, "ErrorRate", stats.ErrorRate, $"<= {Fmt.N(t.MaxErrorRatePercent)}",
                stats.ErrorRate > t.MaxErrorRatePercent ? RunbookStatus.Fail : stats.Errors > 0 ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"{Fmt.N(stats.Errors)} errors (timeouts included) of {Fmt.N(stats.Total)} operations"));
            rows.Add(new(subject, "FallbackRate", stats.FallbackRate, $"<= {Fmt.N(t.MaxFallbackRatePercent)}",
                stats.FallbackRate > t.MaxFallbackRatePercent ? RunbookStatus.Warn : RunbookStatus.Pass,
                $"{Fmt.N(stats.Fallbacks)} answers came from a fallback"));
            rows.Add(new(subject, "NewestProbe", lastProbe is null ? null : lastProbe.IsFailure ? lastProbe.ErrorCode ?? lastProbe.Status.ToString() : "Success", "Success",
                lastProbe is { IsFailure: true } ? RunbookStatus.Warn : null,
                lastProbe is null ? "no probe in the window" : $"at {Fmt.Time(lastProbe.StartedAt)}{(lastProbe.IsFailure ? ": " + lastProbe.ErrorMessage : $", {Fmt.Ms(lastProbe.DurationMs)}")}"));
            foreach (var e in await LogChecks.ErrorsOfAsync(ctx, w.Name, ct).ConfigureAwait(false))
            {
                rows.Add(new(subject, "LogErrors", e.Count, "0", RunbookStatus.Warn, $"{e.ErrorType} in application.log, first {Fmt.Time(e.First)}, last {Fmt.Time(e.Last)}"));
            }
        }

        var status = RunbookOutcome.Worst(rows);
        var affected = rows.Where(r => r.Status is RunbookStatus.Warn or RunbookStatus.Fail).Select(r => r.Subject).Distinct().ToList();
        var detail = affected.Count == 0
            ? $"The external-tool wrappers of slot {active} ({string.Join(", ", external.Select(w => w.Name))}) show no errors and few fallbacks since {Fmt.Time(ctx.Since)}."
            : $"External API trouble since {Fmt.Time(ctx.Since)}: {string.Join(", ", affected)}. Check the provider's status; the runbook's remedy is to switch to backup or fallback services.";
        return new RunbookOutcome(status, detail, rows);
    }

    private static RunbookStatus StatusOf(HealthStatus s) => s switch
    {
        HealthStatus.Healthy => RunbookStatus.Pass,
        HealthStatus.Critical => RunbookStatus.Fail,
        _ => RunbookStatus.Warn,
    };

    /// <summary>"Now" for a degradation: the newest hour, or the whole window when it is shorter.</summary>
    private static DateTimeOffset RecentSince(RunbookContext ctx) =>
        ctx.Window > TimeSpan.FromHours(1) ? ctx.Now - TimeSpan.FromHours(1) : ctx.Since;

    private static IEnumerable<WrapperDefinition> WrappersIn(OpsConfig config, string slot) =>
        config.Wrappers.Where(w => config.FindSlot(slot)?.UrlOf(w.Name) is not null);
}
