using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.SandboxProcess;
using Orchestrator.Ops.Core.ServiceProcess;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>How a phase or a check of Invoke-Deployment ended.</summary>
public enum PhaseOutcome
{
    Passed,
    Failed,
    Skipped,
}

/// <summary>How Invoke-Deployment ended. Invoke-Deployment writes the error Deployment&lt;outcome&gt; for each but Deployed.</summary>
public enum DeploymentOutcome
{
    /// <summary>Switched and validated: the new version takes traffic.</summary>
    Deployed,

    /// <summary>A phase failed (see Phases); traffic stays where it was unless the validation after the switch failed.</summary>
    Failed,

    /// <summary>The switch's analysis failed and the switch switched back.</summary>
    RolledBack,
}

/// <summary>One phase or checklist item of a deployment, with what decided it.</summary>
/// <param name="Phase">Checklist, Deploy, Switch or Validation.</param>
/// <param name="Name">The item, in the runbook's words where it has them.</param>
public sealed record DeploymentPhase(string Phase, string Name, PhaseOutcome Outcome, string Detail, TimeSpan Duration);

/// <summary>What Invoke-Deployment did: every phase and its outcome, and the switch's own result.</summary>
public sealed record DeploymentRunResult
{
    public required string Version { get; init; }
    public required string Slot { get; init; }

    /// <summary>Deployed (switched and validated), Failed (a phase failed; see Phases), or RolledBack (the switch's analysis failed).</summary>
    public required DeploymentOutcome Outcome { get; init; }

    public string? Reason { get; init; }
    public required IReadOnlyList<DeploymentPhase> Phases { get; init; }
    public DeploymentSwitchResult? Switch { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public TimeSpan Duration { get; init; }
}

/// <summary>Options of Invoke-Deployment.</summary>
public sealed record DeploymentRunOptions
{
    public required string Version { get; init; }

    /// <summary>The slot to install into and switch to; the standby slot when null.</summary>
    public string? Slot { get; init; }

    public TimeSpan? AnalysisDuration { get; init; }
    public bool NoAutoRollback { get; init; }
}

/// <summary>
/// The runbook's 3.1.1 as one operation: the pre-deployment checklist, the deploy hook into the standby slot, the
/// gated switch with analysis, and the post-deployment validation. A failing phase stops the run before anything
/// routes to the new version; a switch that fails its analysis is switched back by the switch itself.
/// </summary>
public sealed class DeploymentRun(OpsEngine engine)
{
    public async Task<DeploymentRunResult> RunAsync(DeploymentRunOptions options, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var config = engine.Config;
        var started = engine.Time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var active = await engine.Health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var target = options.Slot is null
            ? config.Slots.FirstOrDefault(s => !string.Equals(s.Name, active, StringComparison.OrdinalIgnoreCase))
              ?? throw new DeploymentException(DeploymentFailure.InvalidRequest, "There is no standby slot: the configuration has only one slot.")
            : config.FindSlot(options.Slot) ?? throw new DeploymentException(DeploymentFailure.UnknownSlot, $"'{options.Slot}' is not a configured slot; use one of: {string.Join(", ", config.Slots.Select(s => s.Name))}.") { Target = options.Slot };
        if (string.Equals(target.Name, active, StringComparison.OrdinalIgnoreCase))
        {
            throw new DeploymentException(DeploymentFailure.InvalidRequest, $"Slot '{target.Name}' takes traffic now; deploy into the standby slot.") { Target = target.Name };
        }

        var phases = new List<DeploymentPhase>();
        DeploymentRunResult Stop(DeploymentOutcome outcome, string reason, DeploymentSwitchResult? sw = null) => new()
        {
            Version = options.Version,
            Slot = target.Name,
            Outcome = outcome,
            Reason = reason,
            Phases = phases,
            Switch = sw,
            StartedAt = started,
            Duration = clock.Elapsed,
        };

        // 1. the pre-deployment checklist
        reporter.Progress(new OpsProgress(2, $"Deploy {options.Version} to {target.Name}", "Pre-deployment checklist", 5));
        phases.Add(await TestsAsync(config, options, target, cancellationToken).ConfigureAwait(false));
        if (phases[^1].Outcome == PhaseOutcome.Failed)
        {
            return Stop(DeploymentOutcome.Failed, $"pre-deployment check 'Tests passed' failed: {phases[^1].Detail}; nothing was deployed");
        }

        var backupClock = Stopwatch.StartNew();
        var backup = await engine.Backups.CreateAsync($"before deploying {options.Version} to {target.Name}", "deployment", [], reporter, cancellationToken).ConfigureAwait(false);
        phases.Add(new DeploymentPhase("Checklist", "Backup created", PhaseOutcome.Passed,
            $"backup {backup.Id}: {backup.Files} file(s), {backup.Bytes} bytes, verified", backupClock.Elapsed));
        var pointClock = Stopwatch.StartNew();
        var point = await engine.Deployment.CreateRollbackPointAsync($"before deploying {options.Version} to {target.Name}", stable: false, "deployment", reporter, cancellationToken).ConfigureAwait(false);
        var stable = (await engine.Store.Deployment.GetRollbackPointsAsync(null, true, 1, cancellationToken).ConfigureAwait(false)).FirstOrDefault();
        phases.Add(new DeploymentPhase("Checklist", "Rollback plan ready", PhaseOutcome.Passed,
            $"rollback point #{point.Id} recorded ({point.Files.Count} file(s)); " + (stable is null ? "no stable point yet (Invoke-Rollback -ToStable has nowhere to go)" : $"stable point #{stable.Id} ('{stable.ActiveSlot}')"),
            pointClock.Elapsed));
        var service = OpsServiceLauncher.GetRunning(config);
        var rules = config.Alerts.Rules.Count;
        phases.Add(new DeploymentPhase("Checklist", "Monitoring alerts configured", rules > 0 ? PhaseOutcome.Passed : PhaseOutcome.Failed,
            $"{rules} alert rule(s); the monitoring service is {(service is null ? "not running (Start-OpsService): nothing evaluates them or rolls back automatically" : $"running (pid {service.ProcessId})")}", TimeSpan.Zero));
        if (phases.FirstOrDefault(p => p.Outcome == PhaseOutcome.Failed) is { } failedCheck)
        {
            return Stop(DeploymentOutcome.Failed, $"pre-deployment check '{failedCheck.Name}' failed: {failedCheck.Detail}; nothing was deployed");
        }

        // 2. install into the standby slot
        reporter.Progress(new OpsProgress(2, $"Deploy {options.Version} to {target.Name}", $"Installing {options.Version} into {target.Name}", 20));
        var deploy = await DeployAsync(config, options, target, reporter, cancellationToken).ConfigureAwait(false);
        phases.Add(deploy);
        if (deploy.Outcome == PhaseOutcome.Failed)
        {
            return Stop(DeploymentOutcome.Failed, $"the deploy hook failed: {deploy.Detail}; traffic stays on '{active}'");
        }

        // 3. the gated switch with analysis
        reporter.Progress(new OpsProgress(2, $"Deploy {options.Version} to {target.Name}", $"Switching to {target.Name}", 40));
        var switchClock = Stopwatch.StartNew();
        var sw = await engine.Deployment.SwitchAsync(target.Name, new SwitchOptions
        {
            AnalysisDuration = options.AnalysisDuration,
            NoAutoRollback = options.NoAutoRollback,
            Command = "Invoke-Deployment",
        }, reporter, cancellationToken).ConfigureAwait(false);
        phases.Add(new DeploymentPhase("Switch", "Switch-DeploymentSlot", sw.Outcome == SwitchOutcome.Switched ? PhaseOutcome.Passed : PhaseOutcome.Failed,
            $"{sw.Outcome}: {sw.Reason}", switchClock.Elapsed));
        if (sw.Outcome != SwitchOutcome.Switched)
        {
            return Stop(sw.Outcome == SwitchOutcome.RolledBack ? DeploymentOutcome.RolledBack : DeploymentOutcome.Failed, $"the switch ended {sw.Outcome}: {sw.Reason}", sw);
        }

        // 4. post-deployment validation
        reporter.Progress(new OpsProgress(2, $"Deploy {options.Version} to {target.Name}", "Post-deployment validation", 95));
        var validateClock = Stopwatch.StartNew();
        var health = await engine.Health.GetWrapperHealthAsync(null, target.Name, live: true, reporter, cancellationToken).ConfigureAwait(false);
        var silent = health.Where(h => h.ConsecutiveProbeFailures > 0).Select(h => h.Name).ToList();
        phases.Add(new DeploymentPhase("Validation", "All services responding", silent.Count == 0 ? PhaseOutcome.Passed : PhaseOutcome.Failed,
            silent.Count == 0 ? $"{health.Count} wrapper(s) answered" : $"not answering: {string.Join(", ", silent)}", validateClock.Elapsed));
        var unhealthy = health.Where(h => h.Status is HealthStatus.Unhealthy or HealthStatus.Critical).Select(h => $"{h.Name} {h.Status} ({h.Message})").ToList();
        phases.Add(new DeploymentPhase("Validation", "Health checks passing", unhealthy.Count == 0 ? PhaseOutcome.Passed : PhaseOutcome.Failed,
            unhealthy.Count == 0 ? string.Join(", ", health.Select(h => $"{h.Name} {h.Status}")) : string.Join("; ", unhealthy), TimeSpan.Zero));
        var status = await OpsServiceLauncher.GetStatusAsync(config, cancellationToken).ConfigureAwait(false);
        phases.Add(new DeploymentPhase("Validation", "Monitoring dashboard active", status.Running ? PhaseOutcome.Passed : PhaseOutcome.Skipped,
            status.Running ? $"the service answers at {status.ApiUrl}" : "the monitoring service is not running (Start-OpsService)", TimeSpan.Zero));
        var failedValidation = phases.Where(p => p.Phase == "Validation" && p.Outcome == PhaseOutcome.Failed).ToList();
        return failedValidation.Count > 0
            ? Stop(DeploymentOutcome.Failed, $"post-deployment validation failed: {string.Join("; ", failedValidation.Select(p => $"{p.Name}: {p.Detail}"))}; '{target.Name}' takes traffic — Invoke-Rollback -RollbackPointId {point.Id} returns to the state before", sw)
            : Stop(DeploymentOutcome.Deployed, $"{options.Version} runs in '{target.Name}', which takes traffic", sw);
    }

    private static async Task<DeploymentPhase> TestsAsync(OpsConfig config, DeploymentRunOptions options, SlotDefinition target, CancellationToken ct)
    {
        if (config.Deployment.TestCommand is not { } test)
        {
            return new DeploymentPhase("Checklist", "Tests passed", PhaseOutcome.Skipped, "no deployment.testCommand is configured", TimeSpan.Zero);
        }

        var r = await CommandRunner.RunAsync(test, Substitutions(options, target), config.OpsRoot, ct).ConfigureAwait(false);
        return new DeploymentPhase("Checklist", "Tests passed", r.Succeeded ? PhaseOutcome.Passed : PhaseOutcome.Failed, Describe(r), r.Duration);
    }

    private async Task<DeploymentPhase> DeployAsync(OpsConfig config, DeploymentRunOptions options, SlotDefinition target, IOpsReporter reporter, CancellationToken ct)
    {
        var clock = Stopwatch.StartNew();
        string how;
        if (config.Deployment.DeployCommand is { } hook)
        {
            var r = await CommandRunner.RunAsync(hook, Substitutions(options, target), config.OpsRoot, ct).ConfigureAwait(false);
            if (!r.Succeeded)
            {
                return new DeploymentPhase("Deploy", "Install into standby slot", PhaseOutcome.Failed, Describe(r), clock.Elapsed);
            }

            how = $"'{r.Command}' exited 0";
        }
        else if (SandboxLauncher.GetRunning(config.OpsRoot) is { } sandbox)
        {
            using var http = new HttpClient(new SocketsHttpHandler { UseProxy = false }) { Timeout = TimeSpan.FromSeconds(10) };
            foreach (var w in config.Wrappers)
            {
                using var response = await http.PostAsJsonAsync(new Uri(sandbox.ControlUrl, $"/control/instances/{w.Name}/{target.Name}"), new { version = options.Version }, ct).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    return new DeploymentPhase("Deploy", "Install into standby slot", PhaseOutcome.Failed,
                        $"the sandbox refused version {options.Version} for {w.Name}/{target.Name}: {(int)response.StatusCode}", clock.Elapsed);
                }
            }

            how = "the sandbox's control API set the version";
        }
        else
        {
            return new DeploymentPhase("Deploy", "Install into standby slot", PhaseOutcome.Failed,
                "no deployment.deployCommand is configured and no sandbox runs under the ops root", clock.Elapsed);
        }

        // The hook said it worked; the wrappers must say so too.
        var probes = await engine.Health.ProbeAsync(config.Wrappers.Select(w => (w, target)).ToList(), reporter, ct).ConfigureAwait(false);
        var wrong = probes.Where(p => p.Version != options.Version).Select(p => $"{p.Wrapper} reports {p.Version ?? "nothing"}").ToList();
        return wrong.Count == 0
            ? new DeploymentPhase("Deploy", "Install into standby slot", PhaseOutcome.Passed, $"{how}; every wrapper of '{target.Name}' reports {options.Version}", clock.Elapsed)
            : new DeploymentPhase("Deploy", "Install into standby slot", PhaseOutcome.Failed, $"{how}, but {string.Join(", ", wrong)}", clock.Elapsed);
    }

    private static Dictionary<string, string> Substitutions(DeploymentRunOptions options, SlotDefinition target) =>
        new(StringComparer.Ordinal) { ["slot"] = target.Name, ["version"] = options.Version };

    private static string Describe(CommandOutcome r)
    {
        var tail = r.Output.Length == 0 ? string.Empty : " — " + string.Join(" | ", r.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).TakeLast(5));
        return r.TimedOut
            ? $"'{r.Command}' did not finish within its timeout and was stopped{tail}"
            : $"'{r.Command}' exited {r.ExitCode?.ToString(CultureInfo.InvariantCulture)} after {r.Duration.TotalSeconds:0.#} s{tail}";
    }
}
