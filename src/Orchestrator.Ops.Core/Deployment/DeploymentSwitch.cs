using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// A blue-green switch from its plan to its analysis: the checks a plan makes (slot known, not active, lock free),
/// then under the lock the journaled steps — rollback point, gate, router, analysis — and the hand-off to the
/// service on -NoWait or a cancellation during the analysis. What the verdict leads to is <see cref="SwitchConclusion"/>'s.
/// </summary>
internal sealed class DeploymentSwitch(OpsConfig config, IStateStore store, HealthService health, DeploymentLock deploymentLock, DeploymentJournal journal,
    RollbackPoints points, SwitchGate gate, TrafficSwitch traffic, SwitchAnalysis analysis, SwitchConclusion conclusion, TimeProvider time, ILogger log)
{
    /// <summary>What a switch to <paramref name="slot"/> would do, for -WhatIf. Throws for an unknown or already active slot.</summary>
    public async Task<(SlotDefinition From, SlotDefinition To, string Router, IReadOnlyList<string> Gates)> PlanAsync(string slot, SwitchOptions options, CancellationToken cancellationToken)
    {
        var to = config.FindSlot(slot) ?? throw UnknownSlot(slot);
        var holder = await deploymentLock.ThrowIfHeldAsync(cancellationToken).ConfigureAwait(false);

        var fromName = await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
        var from = config.FindSlot(fromName)!;

        // A dead holder's operation is recovered when the switch takes the lock, which may change the active slot;
        // the switch checks again then.
        if (holder is null && string.Equals(from.Name, to.Name, StringComparison.OrdinalIgnoreCase))
        {
            throw new DeploymentException(DeploymentFailure.InvalidRequest, $"Slot '{to.Name}' is already active; nothing to switch.") { Target = to.Name };
        }

        var gates = options.SkipHealthGate ? ["health gate skipped (-SkipHealthGate)"] : gate.Describe(to);
        return (from, to, traffic.Describe(from, to), gates);
    }

    /// <summary>
    /// Switches traffic to <paramref name="slot"/>: lock, rollback point, gate, router, analysis, then keep (and mark
    /// stable) or switch back. Cancelling before the router changes aborts with nothing changed; cancelling during
    /// analysis hands it to the service and returns nothing (the cancellation propagates).
    /// </summary>
    public async Task<DeploymentSwitchResult> SwitchAsync(string slot, SwitchOptions options, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var (_, to, _, _) = await PlanAsync(slot, options, cancellationToken).ConfigureAwait(false);
        SlotDefinition from;
        var me = await deploymentLock.AcquireAsync(options.Command, reporter, cancellationToken).ConfigureAwait(false);
        var released = false;
        long id = 0;
        try
        {
            // The active slot may have changed while recovery ran.
            from = config.FindSlot(await health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false))!;
            if (from.Name == to.Name)
            {
                throw new DeploymentException(DeploymentFailure.InvalidRequest, $"Slot '{to.Name}' is already active; nothing to switch.") { Target = to.Name };
            }

            (id, me) = await journal.BeginAsync(DeploymentOperationKind.Switch, from, to, null, me, started, cancellationToken).ConfigureAwait(false);
            log.Information("Switch #{Id} {From} -> {To} started by {Who}", id, from.Name, to.Name, Actor.Current);

            var result = new DeploymentSwitchResult { OperationId = id, From = from.Name, To = to.Name, Outcome = SwitchOutcome.Aborted, StartedAt = started, Router = traffic.Router.Kind.ToString().ToLowerInvariant() };

            // 2. rollback point of the state before the switch
            reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", "Creating the rollback point", 5));
            var point = await points.CreateAsync($"before switch #{id} {from.Name} → {to.Name}", stable: false, "switch", reporter, cancellationToken).ConfigureAwait(false);
            result = result with { RollbackPointId = point.Id };
            await journal.StepAsync(id, DeploymentStep.RollbackPointCreated, cancellationToken, point.Id).ConfigureAwait(false);

            // 3. gate
            if (!options.SkipHealthGate)
            {
                var gates = await gate.CheckAsync(to, reporter, cancellationToken).ConfigureAwait(false);
                result = result with { GateResults = gates };
                var failed = gates.Where(g => !g.Passed).ToList();
                if (failed.Count > 0)
                {
                    var why = $"the gate refused slot '{to.Name}': " + string.Join("; ", failed.Select(g => $"{g.Wrapper} {g.Check}: {g.Detail}"));
                    return await EndAsync(result with { Outcome = SwitchOutcome.Refused, Reason = why }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
                }
            }

            await journal.StepAsync(id, DeploymentStep.Gated, cancellationToken).ConfigureAwait(false);

            // 4. router. From here on a cancellation does not interrupt the router: it either switches or restores.
            reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", $"Switching the {result.Router} router", 30));
            await journal.StepAsync(id, DeploymentStep.Switching, CancellationToken.None).ConfigureAwait(false);
            RouterSwitchOutcome routed;
            try
            {
                routed = await traffic.RouteAsync(from, to, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is DeploymentException or StateStoreException)
            {
                return await EndAsync(result with { Outcome = SwitchOutcome.Aborted, Reason = $"the router did not switch: {ex.Message}" }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
            }

            var switchedAt = time.GetUtcNow();
            result = result with { RouterDetail = routed.Detail, SwitchedAt = switchedAt };
            await journal.StepAsync(id, DeploymentStep.Switched, CancellationToken.None).ConfigureAwait(false);
            log.Information("Switch #{Id}: router {Router} now sends new traffic to {To}: {Detail}", id, result.Router, to.Name, routed.Detail);

            // 5. analysis
            var duration = options.AnalysisDuration ?? config.Deployment.AnalysisDuration;
            if (duration <= TimeSpan.Zero)
            {
                var stableNow = await points.CreateAsync($"stable after switch #{id} to {to.Name} (no analysis)", stable: true, "stable", reporter, CancellationToken.None).ConfigureAwait(false);
                return await EndAsync(result with { Outcome = SwitchOutcome.Switched, AnalysisVerdict = AnalysisVerdict.Skipped, StablePointId = stableNow.Id, Reason = "no analysis was asked for (duration 0)" }, clock, DeploymentOperationState.Completed).ConfigureAwait(false);
            }

            var until = switchedAt + duration;
            await journal.BeginAnalysisAsync(id, until).ConfigureAwait(false);
            if (options.NoWait)
            {
                await journal.HandOffAsync(id, me, result, CancellationToken.None).ConfigureAwait(false);
                released = true;
                reporter.Verbose($"Switch #{id}: the service carries the analysis on until {until:u}; Get-DeploymentHistory -Id {id} shows its outcome.");
                return result with { Outcome = SwitchOutcome.Switched, AnalysisVerdict = AnalysisVerdict.HandedOff, Duration = clock.Elapsed, Reason = $"analysis handed to the service until {until:u}" };
            }

            try
            {
                result = await analysis.AnalyseAsync(result, to, switchedAt, until, options.NoAutoRollback, reporter, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // Ctrl+C: ask nothing; the service decides.
                await journal.HandOffAsync(id, me, result, CancellationToken.None).ConfigureAwait(false);
                released = true;
                log.Information("Switch #{Id}: analysis handed to the service after a cancellation", id);
                throw;
            }

            return await conclusion.DecideAsync(id, result, from, to, options.NoAutoRollback, reporter, clock).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!released && id != 0)
        {
            // Cancelled before the router changed: nothing switched.
            await store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, nameof(SwitchOutcome.Aborted), "cancelled before the switch; nothing was switched", null, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        finally
        {
            if (!released)
            {
                await deploymentLock.ReleaseAsync(me).ConfigureAwait(false);
            }
        }

        async Task<DeploymentSwitchResult> EndAsync(DeploymentSwitchResult r, Stopwatch c, DeploymentOperationState state)
        {
            r = r with { Duration = c.Elapsed };
            await store.Deployment.EndOperationAsync(r.OperationId, state, r.Outcome.ToString(), r.Reason, JsonSerializer.Serialize(r), CancellationToken.None).ConfigureAwait(false);
            log.Information("Switch #{Id} {From} -> {To}: {Outcome} ({Reason})", r.OperationId, r.From, r.To, r.Outcome.ToString(), r.Reason ?? "-");
            return r;
        }
    }

    private DeploymentException UnknownSlot(string slot) =>
        new(DeploymentFailure.UnknownSlot, $"'{slot}' is not a configured slot; use one of: {string.Join(", ", config.Slots.Select(s => s.Name))}.") { Target = slot };
}
