using System.Diagnostics;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.Reporting;
using Serilog;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>
/// The runbook's checklists and investigations as code: each procedure is a list of items, each item one check built
/// from the other capabilities' public services. Items run one after another, in the runbook's order, each on its own:
/// an exception in one becomes that item's Fail (or Skipped, when what it needs is not available) and the next still
/// runs. Only cancellation stops a run. Nothing here changes the fleet; probes are recorded as every probe is, and the
/// monthly drill restores into a scratch folder it removes.
/// </summary>
public sealed class RunbookService
{
    /// <summary>The progress activity of a run (its items report their own work, such as probes, under theirs).</summary>
    public const int ProgressActivity = 7;

    private readonly OpsEngine _engine;
    private readonly ILogger _log;

    public RunbookService(OpsEngine engine)
    {
        _engine = engine;
        _log = engine.Log.ForCategory("runbook");
    }

    /// <summary>
    /// How far back a procedure looks when no start is given: a day for the daily checklist, a week for the weekly one,
    /// 30 days for the monthly one; an hour for an outage (what is wrong now), six hours for a degradation (the newest
    /// hour against a baseline), a day for a security incident.
    /// </summary>
    public static TimeSpan DefaultLookBack(RunbookName name) => name switch
    {
        RunbookName.DailyMaintenance => TimeSpan.FromDays(1),
        RunbookName.WeeklyMaintenance => TimeSpan.FromDays(7),
        RunbookName.MonthlyMaintenance => TimeSpan.FromDays(30),
        RunbookName.CriticalOutageTriage => TimeSpan.FromHours(1),
        RunbookName.PerformanceDegradation => TimeSpan.FromHours(6),
        RunbookName.SecurityIncident => TimeSpan.FromDays(1),
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The runbook section a procedure comes from.</summary>
    public static string SectionOf(RunbookName name) => name switch
    {
        RunbookName.DailyMaintenance or RunbookName.WeeklyMaintenance or RunbookName.MonthlyMaintenance => "3.3.1",
        RunbookName.CriticalOutageTriage => "2.2.1",
        RunbookName.PerformanceDegradation => "2.2.2",
        RunbookName.SecurityIncident => "2.2.3",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };

    /// <summary>The items of a procedure, in the order they run.</summary>
    public static IReadOnlyList<string> ItemsOf(RunbookName name) => Catalogue(name).Select(i => i.Name).ToList();

    /// <summary>
    /// Runs a procedure. Each item's check is handed to <paramref name="onCheck"/> as soon as it is decided (a cmdlet
    /// writes it to the pipeline at once) and returned in the run. Progress is reported per item.
    /// </summary>
    /// <exception cref="ArgumentException">The look-back start is in the future, or the look-back is not positive.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the items decided so far were already handed out.</exception>
    public async Task<RunbookRun> RunAsync(RunbookRequest request, IOpsReporter reporter, Action<RunbookCheck>? onCheck, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var time = _engine.Time;
        var started = time.GetUtcNow();
        if (request.LookBack is { } lookBack && lookBack <= TimeSpan.Zero)
        {
            throw new ArgumentException($"The look-back must be longer than zero, not {lookBack}.", nameof(request));
        }

        var since = request.Since ?? started - (request.LookBack ?? DefaultLookBack(request.Name));
        if (since > started)
        {
            throw new ArgumentException($"The look-back start {Fmt.Time(since)} is in the future (now {Fmt.Time(started)}).", nameof(request));
        }

        var items = Catalogue(request.Name);
        var context = new RunbookContext(_engine, request.Name, started, since, reporter);
        var activity = $"{request.Name} (runbook {SectionOf(request.Name)})";
        var checks = new List<RunbookCheck>(items.Count);
        _log.Information("{Procedure} started: {Items} items, looking back to {Since}", request.Name.ToString(), items.Count, Fmt.Time(since));
        try
        {
            for (var i = 0; i < items.Count; i++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var item = items[i];
                reporter.Progress(new OpsProgress(ProgressActivity, activity, $"{i + 1}/{items.Count}: {item.Name}", 100 * i / items.Count));
                var check = await RunItemAsync(item, i + 1, context, cancellationToken).ConfigureAwait(false);
                checks.Add(check);
                if (check.Status is RunbookStatus.Fail or RunbookStatus.Warn)
                {
                    _log.Warning("{Procedure} item {Item}: {Status}: {Detail}", request.Name.ToString(), item.Name, check.Status.ToString(), check.Detail);
                }

                reporter.Verbose($"{item.Name}: {check.Status} ({Fmt.Span(check.Duration)}): {check.Detail}");
                onCheck?.Invoke(check);
            }
        }
        finally
        {
            reporter.Progress(new OpsProgress(ProgressActivity, activity, "done", 100, Completed: true));
        }

        var run = new RunbookRun
        {
            Procedure = request.Name,
            StartedAt = started,
            EndedAt = time.GetUtcNow(),
            Since = since,
            RunBy = Actor.Current,
            Host = Environment.MachineName,
            ConfigPath = _engine.Config.SourcePath,
            Checks = checks,
        };
        _log.Information("{Procedure} ended {Outcome}: {Pass} pass, {Warn} warn, {Fail} fail, {Skipped} skipped",
            request.Name.ToString(), run.Outcome.ToString(), Count(RunbookStatus.Pass), Count(RunbookStatus.Warn), Count(RunbookStatus.Fail), Count(RunbookStatus.Skipped));
        return run;

        int Count(RunbookStatus s) => checks.Count(c => c.Status == s);
    }

    private async Task<RunbookCheck> RunItemAsync(RunbookItem item, int order, RunbookContext context, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        RunbookOutcome outcome;
        try
        {
            outcome = await item.Check(context, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (RunbookSkipException skip)
        {
            outcome = RunbookOutcome.Skipped(skip.Message);
        }
#pragma warning disable CA1031 // one item's failure is that item's result; the procedure goes on
        catch (Exception ex)
#pragma warning restore CA1031
        {
            // The error type comes first in the message, so it is the fifth field of the line, as the runbook's grep expects.
            _log.Error("RunbookItemFailed {Procedure} item {Item} could not run: {ErrorType}: {Error}", context.Procedure.ToString(), item.Name, ex.GetType().Name, ex.Message);
            outcome = new RunbookOutcome(RunbookStatus.Fail, $"The check could not run: {ex.Message}", [new RunbookEvidence(item.Name, "Error", ex.GetType().Name, null, RunbookStatus.Fail, ex.Message)]);
        }

        return new RunbookCheck
        {
            Procedure = context.Procedure,
            Item = item.Name,
            Status = outcome.Status,
            Detail = outcome.Detail,
            Evidence = outcome.Evidence,
            Section = item.Section,
            Order = order,
            CheckedAt = _engine.Time.GetUtcNow(),
            Duration = clock.Elapsed,
        };
    }

    /// <summary>Each procedure's items, in the runbook's order, with the sections they come from.</summary>
    private static IReadOnlyList<RunbookItem> Catalogue(RunbookName name) => name switch
    {
        RunbookName.DailyMaintenance =>
        [
            new("Health dashboard", "3.3.1, 1.1", HealthChecks.DashboardAsync),
            new("Error logs of the last day", "3.3.1, 1.3", LogChecks.ErrorLogsAsync),
            new("Backup completed and verified", "3.3.1, 4.2.2", BackupChecks.LastBackupAsync),
            new("Disk space", "3.3.1", ResourceChecks.DiskSpaceAsync),
        ],
        RunbookName.WeeklyMaintenance =>
        [
            new("Performance trends", "3.3.1, 5.1", HealthChecks.PerformanceTrendsAsync),
            new("Security alerts", "3.3.1, 6.1, 6.2.2", AlertChecks.SecurityAlertsAsync),
            new("Alert rules validated", "3.3.1, 2.1", AlertChecks.RulesAsync),
            new("Configuration drift", "6.2.2, 2.1", ConfigurationChecks.DriftAsync),
        ],
        RunbookName.MonthlyMaintenance =>
        [
            new("Secret ages", "3.3.1, 3.2.2", SecretChecks.AgesAsync),
            new("Disaster-recovery drill", "3.3.1, 4.2.2", BackupChecks.DrillAsync),
            new("Dependency and vulnerability review", "3.3.1, 6.2.2", DependencyChecks.ReviewAsync),
        ],
        RunbookName.CriticalOutageTriage =>
        [
            new("Alerts to acknowledge", "2.2.1 immediate 1", AlertChecks.OpenAlertsAsync),
            new("Dashboard status", "2.2.1 immediate 2", HealthChecks.DashboardAsync),
            new("Service accessibility", "2.2.1 immediate 3", ServiceChecks.AccessibilityAsync),
            new("Recent deployments and switches", "2.2.1 immediate 4", DeploymentChecks.RecentAsync),
            new("Error logs", "2.2.1 investigation 1", LogChecks.ErrorLogsAsync),
            new("Resource use", "2.2.1 investigation 2", ResourceChecks.ResourceUseAsync),
            new("Network connectivity", "2.2.1 investigation 3", ServiceChecks.ConnectivityAsync),
            new("Wrapper health", "2.2.1 investigation 4", HealthChecks.WrapperHealthAsync),
        ],
        RunbookName.PerformanceDegradation =>
        [
            new("Response times", "2.2.2 step 1", HealthChecks.ResponseTimesAsync),
            new("Success rate trend", "2.2.2 step 2", HealthChecks.SuccessRateTrendAsync),
            new("Resource use", "2.2.2 step 3", ResourceChecks.ResourceUseAsync),
            new("External API issues", "2.2.2 step 4", HealthChecks.ExternalApisAsync),
        ],
        RunbookName.SecurityIncident =>
        [
            new("Suspicious access", "2.2.3 step 1, 6.1", LogChecks.SuspiciousAccessAsync),
            new("Failed authentications", "2.2.3 step 2, 6.1", LogChecks.FailedAuthAsync),
            new("Rate-limit violations", "6.1", LogChecks.RateLimitsAsync),
            new("Unusual traffic", "2.2.3 step 3", LogChecks.UnusualTrafficAsync),
            new("Configuration integrity", "2.2.3 step 4", ConfigurationChecks.DriftAsync),
        ],
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, null),
    };
}
