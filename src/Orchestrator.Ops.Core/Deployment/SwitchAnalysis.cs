using System.Text.Json;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Reporting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>
/// Post-switch analysis as it runs: waits out each interval on the engine's clock, probes the new slot, reads each
/// wrapper's traffic and health since the switch, has <see cref="AnalysisRules"/> judge the round and say whether to
/// go on, and saves the measurements so far with the operation (a service continuing it starts from them).
/// </summary>
internal sealed class SwitchAnalysis(OpsConfig config, IStateStore store, HealthService health, TimeProvider time)
{
    /// <summary>
    /// Post-switch analysis: every interval until <paramref name="until"/>, probe the new slot and measure, per
    /// wrapper, the recent gateway traffic (success rate, error rate, P95 against the runbook's thresholds; see <see cref="AnalysisRules.TrafficWindow"/>)
    /// and the health score since the switch (probes and traffic). Traffic metrics of an interval with no requests are
    /// Inconclusive. More failed rounds than the failure limit ends it early as Fail.
    /// </summary>
    public async Task<DeploymentSwitchResult> AnalyseAsync(DeploymentSwitchResult result, SlotDefinition slot, DateTimeOffset switchedAt, DateTimeOffset until, bool noAutoRollback, IOpsReporter reporter, CancellationToken cancellationToken)
    {
        var d = config.Deployment;
        var t = config.Thresholds;
        var measurements = result.Analysis.ToList();
        var failedRounds = result.FailedMeasurements;
        var round = measurements.Count == 0 ? 0 : measurements.Max(m => m.Round);
        var sawTraffic = measurements.Any(m => m.Metric == "SuccessRate" && m.Verdict != AnalysisVerdict.Inconclusive);
        var extended = false;
        var duration = until - switchedAt;
        while (true)
        {
            var now = time.GetUtcNow();
            var wait = TimeSpan.FromTicks(Math.Min(d.AnalysisInterval.Ticks, Math.Max(0, (until - now).Ticks)));
            if (wait > TimeSpan.Zero)
            {
                await Task.Delay(wait, time, cancellationToken).ConfigureAwait(false);
            }

            round++;
            now = time.GetUtcNow();
            var pairs = config.Wrappers.Select(w => (w, slot)).ToList();
            await health.ProbeAsync(pairs, NullReporter.Instance, cancellationToken).ConfigureAwait(false);
            var roundFailed = false;
            foreach (var w in config.Wrappers)
            {
                var traffic = await health.GetWindowStatsAsync(w.Name, slot.Name, Max(switchedAt, now - AnalysisRules.TrafficWindow(d)), now, OperationSource.Traffic, cancellationToken).ConfigureAwait(false);
                var since = await health.GetWindowStatsAsync(w.Name, slot.Name, switchedAt, now, null, cancellationToken).ConfigureAwait(false);
                var score = HealthScorer.Assess(since, t, config.HealthChecks.MinimumSamples);
                sawTraffic |= traffic.Total > 0;
                var judged = AnalysisRules.Judge(round, now, w.Name, traffic, since, score, t);
                measurements.AddRange(judged);
                roundFailed |= judged.Any(m => m.Verdict == AnalysisVerdict.Fail);
            }

            if (roundFailed)
            {
                failedRounds++;
            }

            var latest = measurements.Where(m => m.Round == round).ToList();
            var pct = (int)Math.Clamp(30 + (65.0 * (now - switchedAt).Ticks / Math.Max(1, duration.Ticks)), 30, 95);
            reporter.Progress(new OpsProgress(1, $"Analysing slot {slot.Name}", $"round {round}: {AnalysisRules.Summary(latest)}; failed rounds {failedRounds}/{d.FailureLimit + 1} allowed-1", pct));
            await store.Deployment.SaveProgressAsync(result.OperationId,
                JsonSerializer.Serialize(result with { Analysis = measurements, FailedMeasurements = failedRounds }), CancellationToken.None).ConfigureAwait(false);

            var (next, verdict) = AnalysisRules.AfterRound(failedRounds, d.FailureLimit, noAutoRollback, sawTraffic, ended: now >= until, extended, d.OnInconclusive);
            if (next == AnalysisNext.Extend)
            {
                extended = true;
                until = now + duration;
                reporter.Warning($"No traffic reached slot '{slot.Name}' during the analysis; waiting up to {duration.TotalSeconds:0} s more (deployment.onInconclusive = wait).");
            }
            else if (next == AnalysisNext.Conclude)
            {
                return result with { Analysis = measurements, FailedMeasurements = failedRounds, AnalysisVerdict = verdict };
            }
        }
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
}
