using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Logging;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The deployment capability: blue-green switches with a pre-switch gate and metric-gated post-switch analysis,
/// rollback points and rollbacks. Every state change takes the deployment lock and journals each step in the store
/// before doing it, so a process that dies at any step leaves a state the next operation (or the service) returns to
/// consistency: see <see cref="RecoverAsync"/>.
/// </summary>
public sealed class DeploymentService
{
    /// <summary>Test hook: the name of a <see cref="DeploymentStep"/> at which the process stops (forever) right after journaling it, so a test can kill it there.</summary>
    public const string PauseVariable = TestHooks.PauseVariable;

    private readonly OpsConfig _config;
    private readonly IStateStore _store;
    private readonly HealthService _health;
    private readonly AlertService _alerts;
    private readonly ITrafficRouter _router;
    private readonly HttpClient _http;
    private readonly TimeProvider _time;
    private readonly ILogger _log;
    private readonly SlotOverview _slots;
    private readonly TrafficSwitch _traffic;
    private readonly RollbackPoints _points;
    private readonly DeploymentJournal _journal;
    private readonly DeploymentRecovery _recovery;
    private readonly DeploymentLock _lock;
    private readonly SwitchGate _gate;
    private readonly SwitchAnalysis _analysis;

    public DeploymentService(OpsConfig config, IStateStore store, HealthService health, AlertService alerts, ITrafficRouter router, HttpClient http, TimeProvider time, ILogger log)
    {
        _config = config;
        _store = store;
        _health = health;
        _alerts = alerts;
        _router = router;
        _http = http;
        _time = time;
        _log = log.ForCategory("deployment");
        _slots = new SlotOverview(config, store, health);
        _traffic = new TrafficSwitch(router, store, config);
        _points = new RollbackPoints(config, store, health, time, _log);
        _journal = new DeploymentJournal(store, config.OpsRoot, _log);
        _recovery = new DeploymentRecovery(config, store, _traffic, _points, _log);
        _lock = new DeploymentLock(store, _recovery, time, _log);
        _gate = new SwitchGate(config, health, new SlotWarmup(config.Deployment, http, time));
        _analysis = new SwitchAnalysis(config, store, health, time);
    }

    public ITrafficRouter Router => _router;

    // ---------------------------------------------------------------- slots

    /// <summary>Every slot with its live versions and health, and when it last became active.</summary>
    public Task<IReadOnlyList<DeploymentSlot>> GetSlotsAsync(IOpsReporter reporter, CancellationToken cancellationToken) =>
        _slots.GetSlotsAsync(reporter, cancellationToken);

    // ---------------------------------------------------------------- lock and journal with recovery

    /// <summary>
    /// Takes the deployment lock, or throws <see cref="DeploymentFailure.Locked"/> naming the holder at once.
    /// A holder whose process died on this host is taken over after its interrupted operation is recovered.
    /// </summary>
    public Task<DeploymentLockHolder> AcquireLockAsync(string command, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _lock.AcquireAsync(command, reporter, cancellationToken);

    /// <summary>
    /// Returns an interrupted operation to a consistent state. A switch that had not reached the router is ended as
    /// Aborted; one that had (switching, switched, analysing, rolling back) has its traffic returned to the original
    /// slot — the last state known good — and is ended as Aborted. A rollback is resumed (restoring files and routing is
    /// idempotent) and ended as RolledBack. The history keeps the row, marked Recovered.
    /// </summary>
    public Task RecoverAsync(long operationId, DeploymentLockHolder me, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _recovery.RecoverAsync(operationId, me, reporter, cancellationToken);

    // ---------------------------------------------------------------- rollback points

    /// <summary>Snapshots the active slot, each slot's versions (probed now) and the configured files.</summary>
    public Task<RollbackPoint> CreateRollbackPointAsync(string? description, bool stable, string source, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _points.CreateAsync(description, stable, source, reporter, cancellationToken);

    /// <summary>The files a rollback point captures: the ops config and deployment.rollbackFiles.</summary>
    public IReadOnlyList<string> RollbackFilePaths() => _points.FilePaths();

    public Task<RollbackPoint> GetPointAsync(long id, CancellationToken cancellationToken) => _points.GetAsync(id, cancellationToken);

    /// <summary>Rollback points newest first: the given ids (missing ones left out), or the newest <paramref name="last"/>; only stable ones if asked.</summary>
    public Task<IReadOnlyList<RollbackPoint>> GetRollbackPointsAsync(IReadOnlyCollection<long> ids, bool stableOnly, int last, CancellationToken cancellationToken) =>
        _points.ListAsync(ids, stableOnly, last, cancellationToken);

    /// <summary>The newest stable rollback point, or a clear error when there is none.</summary>
    public Task<RollbackPoint> GetLastStableAsync(CancellationToken cancellationToken) => _points.GetLastStableAsync(cancellationToken);

    // ---------------------------------------------------------------- switch

    /// <summary>What a switch to <paramref name="slot"/> would do, for -WhatIf. Throws for an unknown or already active slot.</summary>
    public async Task<(SlotDefinition From, SlotDefinition To, string Router, IReadOnlyList<string> Gates)> PlanSwitchAsync(string slot, SwitchOptions options, CancellationToken cancellationToken)
    {
        var to = _config.FindSlot(slot) ?? throw UnknownSlot(slot);
        var holder = await _lock.ThrowIfHeldAsync(cancellationToken).ConfigureAwait(false);

        var fromName = await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var from = _config.FindSlot(fromName)!;

        // A dead holder's operation is recovered when the switch takes the lock, which may change the active slot;
        // the switch checks again then.
        if (holder is null && string.Equals(from.Name, to.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new DeploymentException(DeploymentFailure.InvalidRequest, $"Slot '{to.Name}' is already active; nothing to switch.") { Target = to.Name };
        }

        var gates = options.SkipHealthGate ? ["health gate skipped (-SkipHealthGate)"] : _gate.Describe(to);
        return (from, to, _traffic.Describe(from, to), gates);
    }

    private DeploymentException UnknownSlot(string slot) =>
        new(DeploymentFailure.UnknownSlot, $"'{slot}' is not a configured slot; use one of: {string.Join(", ", _config.Slots.Select(s => s.Name))}.") { Target = slot };

    /// <summary>
    /// Switches traffic to <paramref name="slot"/>: lock, rollback point, gate, router, analysis, then keep (and mark
    /// stable) or switch back. Cancelling before the router changes aborts with nothing changed; cancelling during
    /// analysis hands it to the service and returns nothing (the cancellation propagates).
    /// </summary>
    public async Task<DeploymentSwitchResult> SwitchAsync(string slot, SwitchOptions options, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var (_, to, _, _) = await PlanSwitchAsync(slot, options, cancellationToken).ConfigureAwait(false);
        SlotDefinition from;
        var me = await _lock.AcquireAsync(options.Command, reporter, cancellationToken).ConfigureAwait(false);
        var released = false;
        long id = 0;
        try
        {
            // The active slot may have changed while recovery ran.
            from = _config.FindSlot(await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false))!;
            if (from.Name == to.Name)
            {
                throw new DeploymentException(DeploymentFailure.InvalidRequest, $"Slot '{to.Name}' is already active; nothing to switch.") { Target = to.Name };
            }

            (id, me) = await _journal.BeginAsync(DeploymentOperationKind.Switch, from, to, null, me, started, cancellationToken).ConfigureAwait(false);
            _log.Information("Switch #{Id} {From} -> {To} started by {Who}", id, from.Name, to.Name, Actor.Current);

            var result = new DeploymentSwitchResult { OperationId = id, From = from.Name, To = to.Name, Outcome = SwitchOutcome.Aborted, StartedAt = started, Router = _router.Kind.ToString().ToLowerInvariant() };

            // 2. rollback point of the state before the switch
            reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", "Creating the rollback point", 5));
            var point = await _points.CreateAsync($"before switch #{id} {from.Name} → {to.Name}", stable: false, "switch", reporter, cancellationToken).ConfigureAwait(false);
            result = result with { RollbackPointId = point.Id };
            await _journal.StepAsync(id, DeploymentStep.RollbackPointCreated, cancellationToken, point.Id).ConfigureAwait(false);

            // 3. gate
            if (!options.SkipHealthGate)
            {
                var gates = await _gate.CheckAsync(to, reporter, cancellationToken).ConfigureAwait(false);
                result = result with { GateResults = gates };
                var failed = gates.Where(g => !g.Passed).ToList();
                if (failed.Count > 0)
                {
                    var why = $"the gate refused slot '{to.Name}': " + string.Join("; ", failed.Select(g => $"{g.Wrapper} {g.Check}: {g.Detail}"));
                    return await EndAsync(result with { Outcome = SwitchOutcome.Refused, Reason = why }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
                }
            }

            await _journal.StepAsync(id, DeploymentStep.Gated, cancellationToken).ConfigureAwait(false);

            // 4. router. From here on a cancellation does not interrupt the router: it either switches or restores.
            reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", $"Switching the {result.Router} router", 30));
            await _journal.StepAsync(id, DeploymentStep.Switching, CancellationToken.None).ConfigureAwait(false);
            RouterSwitchOutcome routed;
            try
            {
                routed = await _traffic.RouteAsync(from, to, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DeploymentException or StateStoreException)
            {
                return await EndAsync(result with { Outcome = SwitchOutcome.Aborted, Reason = $"the router did not switch: {ex.Message}" }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
            }

            var switchedAt = _time.GetUtcNow();
            result = result with { RouterDetail = routed.Detail, SwitchedAt = switchedAt };
            await _journal.StepAsync(id, DeploymentStep.Switched, CancellationToken.None).ConfigureAwait(false);
            _log.Information("Switch #{Id}: router {Router} now sends new traffic to {To}: {Detail}", id, result.Router, to.Name, routed.Detail);

            // 5. analysis
            var duration = options.AnalysisDuration ?? _config.Deployment.AnalysisDuration;
            if (duration <= TimeSpan.Zero)
            {
                var stableNow = await _points.CreateAsync($"stable after switch #{id} to {to.Name} (no analysis)", stable: true, "stable", reporter, CancellationToken.None).ConfigureAwait(false);
                return await EndAsync(result with { Outcome = SwitchOutcome.Switched, AnalysisVerdict = AnalysisVerdict.Skipped, StablePointId = stableNow.Id, Reason = "no analysis was asked for (duration 0)" }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
            }

            var until = switchedAt + duration;
            await _journal.BeginAnalysisAsync(id, until).ConfigureAwait(false);
            if (options.NoWait)
            {
                await _journal.HandOffAsync(id, me, result, CancellationToken.None).ConfigureAwait(false);
                released = true;
                reporter.Verbose($"Switch #{id}: the service carries the analysis on until {until:u}; Get-DeploymentHistory -Id {id} shows its outcome.");
                return result with { Outcome = SwitchOutcome.Switched, AnalysisVerdict = AnalysisVerdict.HandedOff, Duration = clock.Elapsed, Reason = $"analysis handed to the service until {until:u}" };
            }

            try
            {
                result = await _analysis.AnalyseAsync(result, to, switchedAt, until, options.NoAutoRollback, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: ask nothing; the service decides.
                await _journal.HandOffAsync(id, me, result, CancellationToken.None).ConfigureAwait(false);
                released = true;
                _log.Information("Switch #{Id}: analysis handed to the service after a cancellation", id);
                throw;
            }

            return await DecideAsync(id, result, from, to, options.NoAutoRollback, reporter, clock).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!released && id != 0)
        {
            // Cancelled before the router changed: nothing switched.
            await _store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, nameof(SwitchOutcome.Aborted), "cancelled before the switch; nothing was switched", null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (!released)
            {
                await _lock.ReleaseAsync(me).ConfigureAwait(false);
            }
        }

        async Task<DeploymentSwitchResult> EndAsync(DeploymentSwitchResult r, Stopwatch c, DeploymentOperationState state)
        {
            r = r with { Duration = c.Elapsed };
            await _store.Deployment.EndOperationAsync(r.OperationId, state, r.Outcome.ToString(), r.Reason, JsonSerializer.Serialize(r), CancellationToken.None).ConfigureAwait(false);
            _log.Information("Switch #{Id} {From} -> {To}: {Outcome} ({Reason})", r.OperationId, r.From, r.To, r.Outcome.ToString(), r.Reason ?? "-");
            return r;
        }
    }

    private async Task<DeploymentSwitchResult> DecideAsync(long id, DeploymentSwitchResult result, SlotDefinition from, SlotDefinition to, bool noAutoRollback, IOpsReporter reporter, Stopwatch clock)
    {
        var policy = _config.Deployment.OnInconclusive;
        var fail = result.AnalysisVerdict == AnalysisVerdict.Fail || (result.AnalysisVerdict == AnalysisVerdict.Inconclusive && policy == InconclusivePolicy.Fail);
        if (fail && !noAutoRollback)
        {
            await _journal.StepAsync(id, DeploymentStep.RollingBack, CancellationToken.None).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", $"Analysis failed; switching back to {from.Name}", 95));
            await _traffic.RouteAsync(to, from, CancellationToken.None).ConfigureAwait(false);
            var why = result.AnalysisVerdict == AnalysisVerdict.Inconclusive
                ? "the analysis saw no traffic and deployment.onInconclusive is 'fail'"
                : "analysis failed: " + AnalysisRules.Describe(result.Analysis.Where(m => m.Verdict == AnalysisVerdict.Fail));
            result = result with { Outcome = SwitchOutcome.RolledBack, Reason = $"{why}; traffic switched back to '{from.Name}'" };
            await RaiseAsync($"switch-{id}", to.Name, $"Switch #{id} to '{to.Name}' rolled back: {why}", result.FailedMeasurements, CancellationToken.None).ConfigureAwait(false);
        }
        else if (fail)
        {
            result = result with { Outcome = SwitchOutcome.Switched, Reason = "analysis failed but -NoAutoRollback kept the new slot: " + AnalysisRules.Describe(result.Analysis.Where(m => m.Verdict == AnalysisVerdict.Fail)) };
            await RaiseAsync($"switch-{id}", to.Name, $"Switch #{id} to '{to.Name}' failed its analysis and was kept (-NoAutoRollback)", result.FailedMeasurements, CancellationToken.None).ConfigureAwait(false);
        }
        else if (result.AnalysisVerdict == AnalysisVerdict.Inconclusive && policy == InconclusivePolicy.Wait)
        {
            result = result with { Outcome = SwitchOutcome.Switched, Reason = "no traffic reached the new slot during the analysis (nor the extra wait); it stays active but is not marked stable" };
        }
        else
        {
            var stable = await _points.CreateAsync($"stable after switch #{id} to {to.Name}", stable: true, "stable", reporter, CancellationToken.None).ConfigureAwait(false);
            result = result with
            {
                Outcome = SwitchOutcome.Switched,
                StablePointId = stable.Id,
                Reason = result.AnalysisVerdict == AnalysisVerdict.Inconclusive ? "no traffic to judge; deployment.onInconclusive is 'pass'" : "analysis passed",
            };
        }

        result = result with { Duration = clock.Elapsed };
        await _store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, result.Outcome.ToString(), result.Reason, JsonSerializer.Serialize(result), CancellationToken.None).ConfigureAwait(false);
        _log.Information("Switch #{Id} {From} -> {To}: {Outcome} ({Reason})", id, from.Name, to.Name, result.Outcome.ToString(), result.Reason);
        return result;
    }

    /// <summary>The rule name of the critical alert a failed post-switch analysis raises.</summary>
    public const string RollbackAlertRule = "deployment-analysis-failed";

    private async Task RaiseAsync(string subject, string slot, string message, int failures, CancellationToken ct)
    {
        try
        {
            await _alerts.RaiseEventAsync(RollbackAlertRule, AlertSeverity.Critical, subject, slot, failures, _config.Deployment.FailureLimit, message, ct).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            _log.Error("AlertFailed could not record the deployment alert: {Error}", ex.Message);
        }
    }

    // ---------------------------------------------------------------- gate

    /// <summary>The pre-switch gate: every wrapper of the slot answers its warm-up path with an accepted code, then passes a live probe.</summary>
    public Task<IReadOnlyList<GateResult>> GateAsync(SlotDefinition slot, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _gate.CheckAsync(slot, reporter, cancellationToken);

    // ---------------------------------------------------------------- analysis

    /// <summary>
    /// Post-switch analysis: every interval until <paramref name="until"/>, probe the new slot and measure, per
    /// wrapper, the recent gateway traffic (success rate, error rate, P95 against the runbook's thresholds) and the
    /// health score since the switch (probes and traffic). Traffic metrics of an interval with no requests are
    /// Inconclusive. More failed rounds than the failure limit ends it early as Fail.
    /// </summary>
    public Task<DeploymentSwitchResult> AnalyseAsync(DeploymentSwitchResult result, SlotDefinition slot, DateTimeOffset switchedAt, DateTimeOffset until, bool noAutoRollback, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _analysis.AnalyseAsync(result, slot, switchedAt, until, noAutoRollback, reporter, cancellationToken);

    /// <summary>
    /// Continues a switch's analysis that its command handed off (-NoWait or Ctrl+C), then keeps or rolls back like
    /// the command would have. Called by the service; takes the handed-off lock first.
    /// </summary>
    public async Task<DeploymentSwitchResult?> ContinueHandedOffAsync(DeploymentOperation op, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (await _lock.TakeHandedOffAsync(op, cancellationToken).ConfigureAwait(false) is not { } me)
        {
            return null;
        }

        try
        {
            var partial = op.ResultJson is null ? null : JsonSerializer.Deserialize<DeploymentSwitchResult>(op.ResultJson);
            var from = _config.FindSlot(op.FromSlot!)!;
            var to = _config.FindSlot(op.ToSlot)!;
            partial ??= new DeploymentSwitchResult { OperationId = op.Id, From = from.Name, To = to.Name, Outcome = SwitchOutcome.Switched, StartedAt = op.StartedAt };
            partial = partial with { OperationId = op.Id };
            var switchedAt = partial.SwitchedAt ?? op.UpdatedAt;
            var until = op.AnalysisUntil ?? _time.GetUtcNow();
            var clock = Stopwatch.StartNew();
            var analysed = await _analysis.AnalyseAsync(partial, to, switchedAt, until, noAutoRollback: false, reporter, cancellationToken).ConfigureAwait(false);
            var decided = await DecideAsync(op.Id, analysed, from, to, noAutoRollback: false, reporter, clock).ConfigureAwait(false);
            return decided with { Duration = _time.GetUtcNow() - op.StartedAt };
        }
        finally
        {
            await _lock.ReleaseAsync(me).ConfigureAwait(false);
        }
    }

    // ---------------------------------------------------------------- rollback

    /// <summary>What rolling back to <paramref name="point"/> would change, for -WhatIf: each file and the slot. Throws when the point is tampered.</summary>
    public async Task<(RollbackPoint Point, string CurrentSlot, IReadOnlyList<RestoredFile> Files)> PlanRollbackAsync(RollbackPoint point, CancellationToken cancellationToken)
    {
        var tampered = RollbackPointFiles.FindTampered(point);
        if (tampered.Count > 0)
        {
            throw new DeploymentException(DeploymentFailure.RollbackPointTampered,
                $"Rollback point #{point.Id} is refused: the stored copies of {string.Join(", ", tampered.Select(p => $"'{p}'"))} are missing or do not match their recorded SHA-256. Nothing was changed.")
            { Target = point.Id.ToString(CultureInfo.InvariantCulture) };
        }

        if (_config.FindSlot(point.ActiveSlot) is null)
        {
            throw new DeploymentException(DeploymentFailure.UnknownSlot, $"Rollback point #{point.Id} names slot '{point.ActiveSlot}', which is not configured now; nothing was changed.") { Target = point.ActiveSlot };
        }

        var current = await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var files = point.Files.Select(f => new RestoredFile(f.Path, RollbackPointFiles.IsCurrent(f) ? "Unchanged" : "WouldRestore", f.Sha256)).ToList();
        return (point, current, files);
    }

    /// <summary>Restores a rollback point: its files (atomically, hash-checked), then the router to its slot, then verifies health.</summary>
    public async Task<RollbackResult> RollbackAsync(RollbackPoint point, string command, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        await PlanRollbackAsync(point, cancellationToken).ConfigureAwait(false);
        var me = await _lock.AcquireAsync(command, reporter, cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
            var from = _config.FindSlot(current)!;
            var to = _config.FindSlot(point.ActiveSlot)!;
            long id;
            (id, me) = await _journal.BeginAsync(DeploymentOperationKind.Rollback, from, to, point.Id, me, started, cancellationToken).ConfigureAwait(false);
            _log.Information("Rollback #{Id} to point #{Point} (slot {To}) started by {Who}", id, point.Id, to.Name, Actor.Current);

            // From the first file on, the rollback completes even if cancelled: half a rollback helps nobody.
            await _journal.StepAsync(id, DeploymentStep.RestoringFiles, CancellationToken.None).ConfigureAwait(false);
            var files = new List<RestoredFile>();
            var i = 0;
            foreach (var f in point.Files)
            {
                reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Restoring {f.Path}", 10 + (50 * i++ / Math.Max(1, point.Files.Count))));
                files.Add(RollbackPointFiles.Restore(f));
            }

            await _journal.StepAsync(id, DeploymentStep.Switching, CancellationToken.None).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Routing traffic to {to.Name}", 65));
            await _traffic.RouteAsync(from, to, CancellationToken.None).ConfigureAwait(false);

            await _journal.StepAsync(id, DeploymentStep.Verifying, CancellationToken.None).ConfigureAwait(false);
            reporter.Progress(new OpsProgress(1, $"Rollback to point #{point.Id}", $"Verifying {to.Name}", 85));
            var health = await _health.GetWrapperHealthAsync(null, to.Name, live: true, NullReporter.Instance, CancellationToken.None).ConfigureAwait(false);
            var differences = health
                .Where(h => point.Versions.TryGetValue(to.Name, out var v) && v.TryGetValue(h.Name, out var recorded) && recorded is not null && recorded != h.Version)
                .Select(h => $"{h.Name}: {point.Versions[to.Name][h.Name]} → {h.Version ?? "no answer"}")
                .ToList();
            var result = new RollbackResult
            {
                OperationId = id,
                RollbackPointId = point.Id,
                From = from.Name,
                To = to.Name,
                Outcome = "RolledBack",
                Files = files,
                Health = health,
                VersionDifferences = differences,
                StartedAt = started,
                Duration = clock.Elapsed,
                Reason = $"restored {files.Count(f => f.Action == "Restored")} file(s), {files.Count(f => f.Action == "Unchanged")} already equal; traffic on '{to.Name}'"
                    + (differences.Count > 0 ? $"; versions differ from the point: {string.Join("; ", differences)}" : string.Empty),
            };
            await _store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, result.Outcome, result.Reason, JsonSerializer.Serialize(result with { Health = [] }), CancellationToken.None).ConfigureAwait(false);
            _log.Information("Rollback #{Id} to point #{Point}: {Reason}", id, point.Id, result.Reason);
            return result;
        }
        finally
        {
            await _lock.ReleaseAsync(me).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// If the deployment lock is held by a process that died on this host, recovers its operation and frees the lock.
    /// The service calls this periodically so a crashed switch does not wait for the next command. Returns whether it did.
    /// </summary>
    public Task<bool> RecoverAbandonedAsync(IOpsReporter reporter, CancellationToken cancellationToken) => _lock.RecoverAbandonedAsync(reporter, cancellationToken);

    /// <summary>
    /// Automatic rollback outside a switch (deployment.autoRollback): within deployment.autoRollbackWindowMinutes of
    /// the last switch that kept its slot, when a critical alert rule fires for a wrapper of the active slot (the rule's
    /// own duration means the breach has held), rolls back to the newest stable point recorded before that switch and
    /// raises a critical alert. At most once per switch. Returns the rollback, or null when nothing was due.
    /// </summary>
    public async Task<RollbackResult?> AutoRollbackIfBreachedAsync(IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var d = _config.Deployment;
        if (!d.AutoRollback)
        {
            return null;
        }

        var now = _time.GetUtcNow();
        var history = await _store.Deployment.GetOperationsAsync(null, false, 50, cancellationToken).ConfigureAwait(false);
        var last = history.FirstOrDefault(o => o.State != DeploymentOperationState.Running);
        if (last is not { Kind: DeploymentOperationKind.Switch, Outcome: "Switched", EndedAt: { } ended } || now - ended > d.AutoRollbackWindow)
        {
            return null;
        }

        if (history.Any(o => o.State == DeploymentOperationState.Running) || await _store.Deployment.GetLockAsync(cancellationToken).ConfigureAwait(false) is not null)
        {
            return null;
        }

        var active = await _health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var ruleNames = _config.Alerts.Rules.Where(r => r.Severity == AlertSeverity.Critical).Select(r => r.Name).ToHashSet(StringComparer.Ordinal);
        var firing = (await _alerts.GetAsync(AlertQuery.Open, cancellationToken).ConfigureAwait(false))
            .Where(a => a.State == AlertState.Firing && a.Severity == AlertSeverity.Critical && ruleNames.Contains(a.Rule)
                && string.Equals(a.Slot, active, StringComparison.OrdinalIgnoreCase) && a.FiredAt >= last.StartedAt)
            .ToList();
        if (firing.Count == 0)
        {
            return null;
        }

        var target = (await _store.Deployment.GetRollbackPointsAsync(null, true, 100, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(p => p.CreatedAt < last.StartedAt);
        var why = string.Join("; ", firing.Select(a => a.Message));
        if (target is null)
        {
            _log.Error("AutoRollbackImpossible critical thresholds breached after switch #{Id} ({Why}) but there is no stable rollback point from before it", last.Id, why);
            return null;
        }

        _log.Warning("Automatic rollback: critical thresholds breached within {Window} of switch #{Id}: {Why}; rolling back to stable point #{Point}", d.AutoRollbackWindow, last.Id, why, target.Id);
        var result = await RollbackAsync(target, "the service's automatic rollback", reporter, cancellationToken).ConfigureAwait(false);
        await RaiseAsync($"auto-rollback-{result.OperationId}", target.ActiveSlot,
            $"Automatic rollback #{result.OperationId} to stable point #{target.Id} ('{target.ActiveSlot}') after switch #{last.Id}: {why}", firing.Count, CancellationToken.None).ConfigureAwait(false);
        return result;
    }

    /// <summary>
    /// Configuration drift: each configured file (the ops config and deployment.rollbackFiles) compared with the newest
    /// stable rollback point — Changed, Missing, or NotInPoint (configured since). Null point: there is no stable point yet.
    /// </summary>
    public Task<(RollbackPoint? Point, IReadOnlyList<FileDrift> Drifted)> GetDriftAsync(CancellationToken cancellationToken) => _points.GetDriftAsync(cancellationToken);

    /// <summary>The history, newest first.</summary>
    public Task<IReadOnlyList<DeploymentOperation>> GetHistoryAsync(long? id, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        _store.Deployment.GetOperationsAsync(id, runningOnly, limit, cancellationToken);
}
