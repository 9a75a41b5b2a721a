using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.ServiceProcess;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The items built on the alert capability: open alerts, security alerts, and the rules themselves.</summary>
internal static class AlertChecks
{
    /// <summary>
    /// The alerts to acknowledge (2.2.1, first action): every pending and firing alert. A firing critical alert fails,
    /// a firing warning or a pending alert warns. Nothing is acknowledged here: the detail names the command, for the
    /// person who takes the incident.
    /// </summary>
    public static async Task<RunbookOutcome> OpenAlertsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var open = await ctx.Engine.Alerts.GetAsync(AlertQuery.Open, ct).ConfigureAwait(false);
        var rows = open.Select(a => new RunbookEvidence(
            $"#{a.Id} {a.Rule}",
            "State",
            a.State.ToString(),
            null,
            a is { State: AlertState.Firing, Severity: AlertSeverity.Critical } ? RunbookStatus.Fail : RunbookStatus.Warn,
            $"{a.Severity} {a.Wrapper}/{a.Slot}: {a.Message}; {(a.FiredAt is { } f ? $"firing since {Fmt.Time(f)}" : $"pending since {Fmt.Time(a.StartedAt)}")}; "
                + (a.Acknowledged ? $"acknowledged by {a.AcknowledgedBy} at {Fmt.Time(a.AcknowledgedAt)}" : "not acknowledged")
                + (a.Muted ? "; muted by a critical alert" : string.Empty))).ToList();
        if (open.Count == 0)
        {
            return new RunbookOutcome(RunbookStatus.Pass, "No alert is pending or firing.", rows);
        }

        var firing = open.Where(a => a.State == AlertState.Firing).ToList();
        var unacknowledged = firing.Where(a => !a.Acknowledged).Select(a => a.Id).ToList();
        var detail = $"{Fmt.Count(firing.Count, "alert")} firing ({firing.Count(a => a.Severity == AlertSeverity.Critical)} critical), {open.Count - firing.Count} pending.";
        detail += unacknowledged.Count > 0
            ? $" Not acknowledged: {string.Join(", ", unacknowledged.Select(i => "#" + i))}; whoever takes the incident acknowledges them with Confirm-HealthAlert -Id {string.Join(",", unacknowledged)}."
            : firing.Count > 0 ? " All firing alerts are acknowledged." : string.Empty;
        return new RunbookOutcome(RunbookOutcome.Worst(rows), detail, rows);
    }

    /// <summary>
    /// Security alerts over the window (3.3.1 weekly, 6.1, 6.2.2): the configuration-drift alerts that were open or fired
    /// in the window, and the failed authentications of the service's API from its logs (a client reaching
    /// service.failedAuthLimit is what the service locks out). Health alerts are the daily dashboard's business; their
    /// number is in the detail.
    /// </summary>
    public static async Task<RunbookOutcome> SecurityAlertsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var rows = (await SecurityAlertRowsAsync(ctx, ct).ConfigureAwait(false)).ToList();
        var all = await ctx.Engine.Alerts.GetAsync(new AlertQuery { Limit = 10_000 }, ct).ConfigureAwait(false);
        var otherFired = all.Count(a => a.FiredAt >= ctx.Since) - rows.Count(r => r.Value is not "Pending");
        var auth = await LogChecks.FailedAuthRowsAsync(ctx, ct).ConfigureAwait(false);
        rows.AddRange(auth ?? [new RunbookEvidence("failed authentications", "Count", null, null, RunbookStatus.Skipped, "the service's logs could not be read for them")]);

        var status = RunbookOutcome.Worst(rows);
        var drift = rows.Count(r => r.Measure == "State");
        var offenders = rows.Where(r => r is { Measure: "FailedAuth", Status: RunbookStatus.Warn or RunbookStatus.Fail }).Select(r => r.Subject).ToList();
        var parts = new List<string>
        {
            drift == 0 ? $"no configuration-drift alert since {Fmt.Time(ctx.Since)}" : $"{Fmt.Count(drift, "configuration-drift alert")} since {Fmt.Time(ctx.Since)} (Test-OpsConfiguration -Drift shows the files)",
            auth is null ? "failed authentications not checked (the logs could not be read)"
                : offenders.Count == 0 ? $"{Fmt.N(auth.Where(r => r.Measure == "FailedAuth").Sum(r => Convert.ToInt64(r.Value, System.Globalization.CultureInfo.InvariantCulture)))} failed authentications, no client at the lockout limit"
                : $"clients at the failed-authentication limit: {string.Join(", ", offenders)} (SecurityIncident investigates)",
            $"{Fmt.Count(Math.Max(0, otherFired), "other alert")} fired in the window (Get-HealthAlert -State Resolved,Firing)",
        };
        return new RunbookOutcome(status, char.ToUpperInvariant(parts[0][0]) + string.Join("; ", parts)[1..] + ".", rows);
    }

    /// <summary>
    /// The alerts of the rules that watch a security signal (configuration drift, 6.1) that are open or fired or resolved
    /// in the window. Each warns, as the runbook ranks drift (2.1): someone changed the configuration, even if it was
    /// changed back since.
    /// </summary>
    public static async Task<IReadOnlyList<RunbookEvidence>> SecurityAlertRowsAsync(RunbookContext ctx, CancellationToken ct)
    {
        var securityRules = ctx.Engine.Config.Alerts.Rules.Where(r => r.Metric == AlertMetric.ConfigurationDrift).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var alerts = await ctx.Engine.Alerts.GetAsync(new AlertQuery { Limit = 10_000 }, ct).ConfigureAwait(false);
        return alerts
            .Where(a => securityRules.Contains(a.Rule) && (a.State != AlertState.Resolved || (a.FiredAt ?? a.StartedAt) >= ctx.Since || a.ResolvedAt >= ctx.Since))
            .Select(a => new RunbookEvidence($"#{a.Id} {a.Rule}", "State", a.State.ToString(), null, RunbookStatus.Warn,
                $"{a.Message}; started {Fmt.Time(a.StartedAt)}{(a.ResolvedAt is { } r ? $", resolved {Fmt.Time(r)}" : string.Empty)}"))
            .ToList();
    }

    /// <summary>
    /// The alert rules validated (3.3.1 weekly "Validate monitoring alerts"): every rule can fire and does not always fire
    /// (a threshold outside its metric's range is a broken rule: fail); each of the runbook's alerts (2.1) has a rule at
    /// least as strict (warn if not); someone is notified (a webhook; warn if none); and the monitoring service, which
    /// evaluates the rules, runs (warn if not: no rule fires without it).
    /// </summary>
    public static Task<RunbookOutcome> RulesAsync(RunbookContext ctx, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var config = ctx.Engine.Config;
        var rules = config.Alerts.Rules;
        var rows = new List<RunbookEvidence>();
        foreach (var rule in rules)
        {
            var problem = Problem(rule);
            rows.Add(new(rule.Name, "Rule", Describe(rule), null, problem is null ? RunbookStatus.Pass : RunbookStatus.Fail, problem));
        }

        foreach (var expected in AlertSettings.RunbookRules(config.Thresholds, config.Alerts.For))
        {
            var same = rules.Where(r => r.Metric == expected.Metric && r.Below == expected.Below && r.Severity >= expected.Severity).ToList();
            if (same.Count == 0)
            {
                rows.Add(new($"runbook: {expected.Name}", "Coverage", "missing", Describe(expected), RunbookStatus.Warn,
                    $"no {expected.Severity} rule watches {expected.Metric} {(expected.Below ? "below" : "above")} a threshold"));
            }
            else if (!same.Any(r => expected.Below ? r.Threshold >= expected.Threshold : r.Threshold <= expected.Threshold))
            {
                rows.Add(new($"runbook: {expected.Name}", "Coverage", "laxer", Describe(expected), RunbookStatus.Warn,
                    $"{string.Join(", ", same.Select(r => r.Name))} fire only past the runbook's threshold"));
            }
        }

        rows.Add(new("webhooks", "Count", config.Alerts.Webhooks.Count, "> 0", config.Alerts.Webhooks.Count == 0 ? RunbookStatus.Warn : RunbookStatus.Pass,
            config.Alerts.Webhooks.Count == 0 ? "alerts show on the dashboard and in Get-HealthAlert but notify nobody" : string.Join(", ", config.Alerts.Webhooks.Select(u => u.GetLeftPart(UriPartial.Authority)))));
        var service = OpsServiceLauncher.GetRunning(config);
        rows.Add(new("monitoring service", "Evaluating", service is not null, "True", service is null ? RunbookStatus.Warn : RunbookStatus.Pass,
            service is null ? "not running: its monitor loop evaluates the rules, so none fires (Start-OpsService)" : $"process {service.ProcessId} since {Fmt.Time(service.StartedAt)}"));

        var status = RunbookOutcome.Worst(rows);
        var broken = rows.Where(r => r is { Measure: "Rule", Status: RunbookStatus.Fail }).Select(r => r.Subject).ToList();
        var gaps = rows.Where(r => r is { Measure: "Coverage" }).Select(r => r.Subject["runbook: ".Length..]).ToList();
        var parts = new List<string> { $"{rules.Count} rules in {config.SourcePath}" };
        if (broken.Count > 0)
        {
            parts.Add($"broken (can never fire or always fires): {string.Join(", ", broken)}");
        }

        if (gaps.Count > 0)
        {
            parts.Add($"runbook alerts without a rule as strict: {string.Join(", ", gaps)}");
        }

        if (config.Alerts.Webhooks.Count == 0)
        {
            parts.Add("no webhook: nobody is notified");
        }

        if (service is null)
        {
            parts.Add("the monitoring service does not run, so no rule is evaluated");
        }

        var detail = string.Join("; ", parts) + (status == RunbookStatus.Pass ? "; every rule can fire, the runbook's alerts are covered and notified." : ".");
        return Task.FromResult(new RunbookOutcome(status, detail, rows));
    }

    private static string Describe(AlertRule r) =>
        $"{r.Severity} {r.Metric} {(r.Below ? "<" : ">")} {Fmt.N(r.Threshold, 2)} for {Fmt.Span(r.For)}";

    /// <summary>Why a rule can never fire, or fires whatever happens; null when it is sound.</summary>
    private static string? Problem(AlertRule r)
    {
        var (min, max) = r.Metric switch
        {
            AlertMetric.SuccessRate or AlertMetric.ErrorRate or AlertMetric.HealthScore or AlertMetric.CpuPercent or AlertMetric.MemoryPercent or AlertMetric.DiskPercent => (0.0, 100.0),
            AlertMetric.ConfigurationDrift => (0.0, 1.0),
            _ => (0.0, double.PositiveInfinity),
        };
        if (r.Below ? r.Threshold <= min : r.Threshold >= max)
        {
            return $"can never fire: {r.Metric} is never {(r.Below ? "below" : "above")} {Fmt.N(r.Threshold, 2)}";
        }

        if (r.Below ? r.Threshold > max : r.Threshold < min)
        {
            return $"always fires: {r.Metric} is always {(r.Below ? "below" : "above")} {Fmt.N(r.Threshold, 2)}";
        }

        return null;
    }
}
