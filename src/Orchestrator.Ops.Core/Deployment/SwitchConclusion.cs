using System.Diagnostics;
using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;
using Serilog;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// The end of a switch once its analysis has a verdict (<see cref="AnalysisRules.Decide"/>): switch back and alert,
/// keep and alert (-NoAutoRollback), keep unconfirmed, or keep and record a stable rollback point; then the
/// operation's outcome in the journal. Also where the service picks up an analysis a command handed off and takes it
/// to the same end.
/// </summary>
internal sealed class SwitchConclusion(OpsConfig config, IStateStore store, DeploymentLock deploymentLock, DeploymentJournal journal, SwitchAnalysis analysis,
    TrafficSwitch traffic, RollbackPoints points, DeploymentAlarm alarm, TimeProvider time, ILogger log)
{
    /// <summary>Keeps or switches back switch <paramref name="id"/> after its analysis, and ends the operation.</summary>
    public async Task<DeploymentSwitchResult> DecideAsync(long id, DeploymentSwitchResult result, SlotDefinition from, SlotDefinition to, bool noAutoRollback, IOpsReporter reporter, Stopwatch clock)
    {
        switch (AnalysisRules.Decide(result.AnalysisVerdict, config.Deployment.OnInconclusive, noAutoRollback))
        {
            case SwitchDecision.SwitchBack:
                await journal.StepAsync(id, DeploymentStep.RollingBack, CancellationToken.None).ConfigureAwait(false);
                reporter.Progress(new OpsProgress(1, $"Switch {from.Name} → {to.Name}", $"Analysis failed; switching back to {from.Name}", 95));
                await traffic.RouteAsync(to, from, CancellationToken.None).ConfigureAwait(false);
                var why = result.AnalysisVerdict == AnalysisVerdict.Inconclusive
                    ? "the analysis saw no traffic and deployment.onInconclusive is 'fail'"
                    : "analysis failed: " + AnalysisRules.Describe(result.Analysis.Where(m => m.Verdict == AnalysisVerdict.Fail));
                result = result with { Outcome = SwitchOutcome.RolledBack, Reason = $"{why}; traffic switched back to '{from.Name}'" };
                await alarm.RaiseAsync($"switch-{id}", to.Name, $"Switch #{id} to '{to.Name}' rolled back: {why}", result.FailedMeasurements, CancellationToken.None).ConfigureAwait(false);
                break;

            case SwitchDecision.KeepFailed:
                result = result with { Outcome = SwitchOutcome.Switched, Reason = "analysis failed but -NoAutoRollback kept the new slot: " + AnalysisRules.Describe(result.Analysis.Where(m => m.Verdict == AnalysisVerdict.Fail)) };
                await alarm.RaiseAsync($"switch-{id}", to.Name, $"Switch #{id} to '{to.Name}' failed its analysis and was kept (-NoAutoRollback)", result.FailedMeasurements, CancellationToken.None).ConfigureAwait(false);
                break;

            case SwitchDecision.KeepUnconfirmed:
                result = result with { Outcome = SwitchOutcome.Switched, Reason = "no traffic reached the new slot during the analysis (nor the extra wait); it stays active but is not marked stable" };
                break;

            default:
                var stable = await points.CreateAsync($"stable after switch #{id} to {to.Name}", stable: true, "stable", reporter, CancellationToken.None).ConfigureAwait(false);
                result = result with
                {
                    Outcome = SwitchOutcome.Switched,
                    StablePointId = stable.Id,
                    Reason = result.AnalysisVerdict == AnalysisVerdict.Inconclusive ? "no traffic to judge; deployment.onInconclusive is 'pass'" : "analysis passed",
                };
                break;
        }

        result = result with { Duration = clock.Elapsed };
        await store.Deployment.EndOperationAsync(id, DeploymentOperationState.Completed, result.Outcome.ToString(), result.Reason, JsonSerializer.Serialize(result), CancellationToken.None).ConfigureAwait(false);
        log.Information("Switch #{Id} {From} -> {To}: {Outcome} ({Reason})", id, from.Name, to.Name, result.Outcome.ToString(), result.Reason);
        return result;
    }

    /// <summary>
    /// Continues a switch's analysis that its command handed off (-NoWait or Ctrl+C), then keeps or rolls back like
    /// the command would have. Called by the service; takes the handed-off lock first.
    /// </summary>
    public async Task<DeploymentSwitchResult?> ContinueHandedOffAsync(DeploymentOperation op, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        if (await deploymentLock.TakeHandedOffAsync(op, cancellationToken).ConfigureAwait(false) is not { } me)
        {
            return null;
        }

        try
        {
            var partial = op.ResultJson is null ? null : JsonSerializer.Deserialize<DeploymentSwitchResult>(op.ResultJson);
            var from = config.FindSlot(op.FromSlot!)!;
            var to = config.FindSlot(op.ToSlot)!;
            partial ??= new DeploymentSwitchResult { OperationId = op.Id, From = from.Name, To = to.Name, Outcome = SwitchOutcome.Switched, StartedAt = op.StartedAt };
            partial = partial with { OperationId = op.Id };
            var switchedAt = partial.SwitchedAt ?? op.UpdatedAt;
            var until = op.AnalysisUntil ?? time.GetUtcNow();
            var clock = Stopwatch.StartNew();
            var analysed = await analysis.AnalyseAsync(partial, to, switchedAt, until, noAutoRollback: false, reporter, cancellationToken).ConfigureAwait(false);
            var decided = await DecideAsync(op.Id, analysed, from, to, noAutoRollback: false, reporter, clock).ConfigureAwait(false);
            return decided with { Duration = time.GetUtcNow() - op.StartedAt };
        }
        finally
        {
            await deploymentLock.ReleaseAsync(me).ConfigureAwait(false);
        }
    }
}
