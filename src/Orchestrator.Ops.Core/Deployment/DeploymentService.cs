using Orchestrator.Ops.Core.Alerts;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
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
/// <remarks>
/// The facade the cmdlets, the service and the tests call. It wires the collaborators that do the work and holds no
/// logic of its own: <see cref="DeploymentLock"/>, <see cref="DeploymentJournal"/> and <see cref="DeploymentRecovery"/>
/// (lock and journal with recovery), <see cref="DeploymentSwitch"/>, <see cref="SwitchGate"/> with
/// <see cref="SlotWarmup"/>, <see cref="SwitchAnalysis"/> with <see cref="AnalysisRules"/> and
/// <see cref="SwitchConclusion"/> (switch, gate, analysis), <see cref="RollbackPoints"/>, <see cref="DeploymentRollback"/>
/// and <see cref="AutoRollback"/> (rollback points and rollback), all routing through <see cref="TrafficSwitch"/>.
/// </remarks>
public sealed class DeploymentService
{
    /// <summary>The rule name of the critical alert a failed post-switch analysis raises.</summary>
    public const string RollbackAlertRule = "deployment-analysis-failed";

    private readonly IStateStore _store;
    private readonly SlotOverview _slots;
    private readonly TrafficSwitch _traffic;
    private readonly RollbackPoints _points;
    private readonly DeploymentRecovery _recovery;
    private readonly DeploymentLock _lock;
    private readonly SwitchGate _gate;
    private readonly SwitchAnalysis _analysis;
    private readonly SwitchConclusion _conclusion;
    private readonly DeploymentSwitch _switch;
    private readonly DeploymentRollback _rollback;
    private readonly AutoRollback _autoRollback;

    public DeploymentService(OpsConfig config, IStateStore store, HealthService health, AlertService alerts, ITrafficRouter router, HttpClient http, TimeProvider time, ILogger log)
    {
        log = log.ForCategory("deployment");
        _store = store;
        _slots = new SlotOverview(config, store, health);
        _traffic = new TrafficSwitch(router, store, config);
        _points = new RollbackPoints(config, store, health, time, log);
        var journal = new DeploymentJournal(store, config.OpsRoot, log);
        _recovery = new DeploymentRecovery(config, store, _traffic, _points, log);
        _lock = new DeploymentLock(store, _recovery, time, log);
        var alarm = new DeploymentAlarm(alerts, config.Deployment.FailureLimit, log);
        _gate = new SwitchGate(config, health, new SlotWarmup(config.Deployment, http, time));
        _analysis = new SwitchAnalysis(config, store, health, time);
        _conclusion = new SwitchConclusion(config, store, _lock, journal, _analysis, _traffic, _points, alarm, time, log);
        _switch = new DeploymentSwitch(config, store, health, _lock, journal, _points, _gate, _traffic, _analysis, _conclusion, time, log);
        _rollback = new DeploymentRollback(config, store, health, _lock, journal, _traffic, time, log);
        _autoRollback = new AutoRollback(config, store, health, alerts, _rollback, alarm, time, log);
    }

    public ITrafficRouter Router => _traffic.Router;

    // ---------------------------------------------------------------- slots

    /// <summary>Every slot with its live versions and health, and when it last became active.</summary>
    public Task<IReadOnlyList<DeploymentSlot>> GetSlotsAsync(IOpsReporter reporter, CancellationToken cancellationToken) =>
        _slots.GetSlotsAsync(reporter, cancellationToken);

    // ---------------------------------------------------------------- lock and journal with recovery

    /// <summary>
    /// Returns an interrupted operation to a consistent state. A switch that had not reached the router is ended as
    /// Aborted; one that had (switching, switched, analysing, rolling back) has its traffic returned to the original
    /// slot — the last state known good — and is ended as Aborted. A rollback is resumed (restoring files and routing is
    /// idempotent) and ended as RolledBack. The history keeps the row, marked Recovered.
    /// </summary>
    public Task RecoverAsync(long operationId, DeploymentLockHolder me, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _recovery.RecoverAsync(operationId, me, reporter, cancellationToken);

    /// <summary>
    /// If the deployment lock is held by a process that died on this host, recovers its operation and frees the lock.
    /// The service calls this periodically so a crashed switch does not wait for the next command. Returns whether it did.
    /// </summary>
    public Task<bool> RecoverAbandonedAsync(IOpsReporter reporter, CancellationToken cancellationToken) => _lock.RecoverAbandonedAsync(reporter, cancellationToken);

    /// <summary>The history, newest first.</summary>
    public Task<IReadOnlyList<DeploymentOperation>> GetHistoryAsync(long? id, bool runningOnly, int limit, CancellationToken cancellationToken) =>
        _store.Deployment.GetOperationsAsync(id, runningOnly, limit, cancellationToken);

    // ---------------------------------------------------------------- rollback points

    /// <summary>Snapshots the active slot, each slot's versions (probed now) and the configured files.</summary>
    public Task<RollbackPoint> CreateRollbackPointAsync(string? description, bool stable, string source, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _points.CreateAsync(description, stable, source, reporter, cancellationToken);

    /// <summary>The rollback point <paramref name="id"/>, or <see cref="DeploymentFailure.RollbackPointNotFound"/>.</summary>
    public Task<RollbackPoint> GetPointAsync(long id, CancellationToken cancellationToken) => _points.GetAsync(id, cancellationToken);

    /// <summary>Rollback points newest first: the given ids (missing ones left out), or the newest <paramref name="last"/>; only stable ones if asked.</summary>
    public Task<IReadOnlyList<RollbackPoint>> GetRollbackPointsAsync(IReadOnlyCollection<long> ids, bool stableOnly, int last, CancellationToken cancellationToken) =>
        _points.ListAsync(ids, stableOnly, last, cancellationToken);

    /// <summary>The newest stable rollback point, or a clear error when there is none.</summary>
    public Task<RollbackPoint> GetLastStableAsync(CancellationToken cancellationToken) => _points.GetLastStableAsync(cancellationToken);

    /// <summary>
    /// Configuration drift: each configured file (the ops config and deployment.rollbackFiles) compared with the newest
    /// stable rollback point — Changed, Missing, or NotInPoint (configured since). Null point: there is no stable point yet.
    /// </summary>
    public Task<(RollbackPoint? Point, IReadOnlyList<FileDrift> Drifted)> GetDriftAsync(CancellationToken cancellationToken) => _points.GetDriftAsync(cancellationToken);

    // ---------------------------------------------------------------- switch

    /// <summary>What a switch to <paramref name="slot"/> would do, for -WhatIf. Throws for an unknown or already active slot.</summary>
    public Task<(SlotDefinition From, SlotDefinition To, string Router, IReadOnlyList<string> Gates)> PlanSwitchAsync(string slot, SwitchOptions options, CancellationToken cancellationToken) =>
        _switch.PlanAsync(slot, options, cancellationToken);

    /// <summary>
    /// Switches traffic to <paramref name="slot"/>: lock, rollback point, gate, router, analysis, then keep (and mark
    /// stable) or switch back. Cancelling before the router changes aborts with nothing changed; cancelling during
    /// analysis hands it to the service and returns nothing (the cancellation propagates).
    /// </summary>
    public Task<DeploymentSwitchResult> SwitchAsync(string slot, SwitchOptions options, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _switch.SwitchAsync(slot, options, reporter, cancellationToken);

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
    public Task<DeploymentSwitchResult?> ContinueHandedOffAsync(DeploymentOperation op, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _conclusion.ContinueHandedOffAsync(op, reporter, cancellationToken);

    // ---------------------------------------------------------------- rollback

    /// <summary>What rolling back to <paramref name="point"/> would change, for -WhatIf: each file and the slot. Throws when the point is tampered.</summary>
    public Task<(RollbackPoint Point, string CurrentSlot, IReadOnlyList<RestoredFile> Files)> PlanRollbackAsync(RollbackPoint point, CancellationToken cancellationToken) =>
        _rollback.PlanAsync(point, cancellationToken);

    /// <summary>Restores a rollback point: its files (atomically, hash-checked), then the router to its slot, then verifies health.</summary>
    public Task<RollbackResult> RollbackAsync(RollbackPoint point, string command, IOpsReporter reporter, CancellationToken cancellationToken) =>
        _rollback.RollbackAsync(point, command, reporter, cancellationToken);

    /// <summary>
    /// Automatic rollback outside a switch (deployment.autoRollback): within deployment.autoRollbackWindowMinutes of
    /// the last switch that kept its slot, when a critical alert rule fires for a wrapper of the active slot (the rule's
    /// own duration means the breach has held), rolls back to the newest stable point recorded before that switch and
    /// raises a critical alert. At most once per switch. Returns the rollback, or null when nothing was due.
    /// </summary>
    public Task<RollbackResult?> AutoRollbackIfBreachedAsync(IOpsReporter reporter, CancellationToken cancellationToken) =>
        _autoRollback.RollBackIfBreachedAsync(reporter, cancellationToken);
}
