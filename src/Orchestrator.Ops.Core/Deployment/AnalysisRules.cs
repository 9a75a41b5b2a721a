using System.Globalization;
using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Deployment;

/// <summary>What the analysis loop does after a round.</summary>
internal enum AnalysisNext
{
    /// <summary>Measure another round.</summary>
    Continue,

    /// <summary>No traffic came and deployment.onInconclusive is wait: measure for one more duration, once.</summary>
    Extend,

    /// <summary>Stop with the verdict.</summary>
    Conclude,
}

/// <summary>What a switch does with its analysis's verdict.</summary>
internal enum SwitchDecision
{
    /// <summary>Failed (or inconclusive under onInconclusive fail): traffic goes back to the slot it left.</summary>
    SwitchBack,

    /// <summary>Failed, but -NoAutoRollback keeps the new slot (an alert says so).</summary>
    KeepFailed,

    /// <summary>No traffic to judge under onInconclusive wait: the new slot stays, not marked stable.</summary>
    KeepUnconfirmed,

    /// <summary>Passed (or inconclusive under onInconclusive pass): the new slot stays and is recorded as stable.</summary>
    KeepStable,
}

/// <summary>
/// The pure rules of post-switch analysis, apart from its waiting and measuring (<see cref="SwitchAnalysis"/>): how
/// one wrapper's round is judged against the thresholds, which traffic a round looks at, whether the analysis goes
/// on, waits longer or concludes after a round, what a switch does with the verdict, and how rounds and failures
/// read in progress lines and reasons.
/// </summary>
internal static class AnalysisRules
{
    /// <summary>
    /// One wrapper's measurements of one round: success rate, error rate and P95 of <paramref name="traffic"/>
    /// (Inconclusive when it has no requests) and the health score since the switch (Inconclusive when unknown).
    /// </summary>
    public static IReadOnlyList<AnalysisMeasurement> Judge(int round, DateTimeOffset at, string wrapper, WindowStats traffic, WindowStats since, HealthAssessment score, ThresholdSettings t)
    {
        var hasTraffic = traffic.Total > 0;
        AnalysisMeasurement M(string metric, double? value, double threshold, bool atLeast, int samples, bool judged) =>
            new(round, at, wrapper, metric, value, threshold, atLeast ? ">=" : "<=",
                !judged || value is null ? AnalysisVerdict.Inconclusive : (atLeast ? value >= threshold : value <= threshold) ? AnalysisVerdict.Pass : AnalysisVerdict.Fail,
                samples);
        return
        [
            M("SuccessRate", traffic.SuccessRate, t.MinSuccessRatePercent, true, traffic.Total, hasTraffic),
            M("ErrorRate", traffic.ErrorRate, t.MaxErrorRatePercent, false, traffic.Total, hasTraffic),
            M("ResponseTimeP95", traffic.P95Ms, t.MaxResponseMs, false, traffic.Total, hasTraffic),
            M("HealthScore", score.Score, t.HealthCriticalPercent, true, since.Total, score.Score is not null),
        ];
    }

    /// <summary>
    /// The traffic a round judges: the last interval, but at least the last 5 s, since the gateway writes its traffic
    /// to the store a moment after it happens; a request may so count in two short rounds, never in none.
    /// </summary>
    public static TimeSpan TrafficWindow(DeploymentSettings d) => TimeSpan.FromTicks(Math.Max(d.AnalysisInterval.Ticks, TimeSpan.FromSeconds(5).Ticks));

    /// <summary>
    /// After a round: more failed rounds than the failure limit concludes Fail at once (unless -NoAutoRollback, which
    /// measures on to the end); at the end, no traffic under onInconclusive wait extends once, else the verdict is
    /// Fail, Pass, or Inconclusive when no traffic came; in the extension, the first round with traffic concludes.
    /// </summary>
    public static (AnalysisNext Next, AnalysisVerdict Verdict) AfterRound(
        int failedRounds, int failureLimit, bool noAutoRollback, bool sawTraffic, bool ended, bool extended, InconclusivePolicy policy)
    {
        var failed = failedRounds > failureLimit;
        if (failed && !noAutoRollback)
        {
            return (AnalysisNext.Conclude, AnalysisVerdict.Fail);
        }

        if (ended)
        {
            if (!sawTraffic && policy == InconclusivePolicy.Wait && !extended)
            {
                return (AnalysisNext.Extend, AnalysisVerdict.Inconclusive);
            }

            return (AnalysisNext.Conclude, failed ? AnalysisVerdict.Fail : sawTraffic ? AnalysisVerdict.Pass : AnalysisVerdict.Inconclusive);
        }

        if (extended && sawTraffic)
        {
            // The wait found traffic: one judged round is enough to conclude.
            return (AnalysisNext.Conclude, failed ? AnalysisVerdict.Fail : AnalysisVerdict.Pass);
        }

        return (AnalysisNext.Continue, AnalysisVerdict.Inconclusive);
    }

    /// <summary>What a switch does with <paramref name="verdict"/> under deployment.onInconclusive and -NoAutoRollback.</summary>
    public static SwitchDecision Decide(AnalysisVerdict verdict, InconclusivePolicy policy, bool noAutoRollback)
    {
        var fail = verdict == AnalysisVerdict.Fail || (verdict == AnalysisVerdict.Inconclusive && policy == InconclusivePolicy.Fail);
        if (fail)
        {
            return noAutoRollback ? SwitchDecision.KeepFailed : SwitchDecision.SwitchBack;
        }

        return verdict == AnalysisVerdict.Inconclusive && policy == InconclusivePolicy.Wait ? SwitchDecision.KeepUnconfirmed : SwitchDecision.KeepStable;
    }

    /// <summary>A round in one line: the worst success rate and health score, the worst error rate and P95, and the requests.</summary>
    public static string Summary(IReadOnlyList<AnalysisMeasurement> round)
    {
        string Avg(string metric, string unit)
        {
            var v = round.Where(m => m.Metric == metric && m.Value is not null).Select(m => m.Value!.Value).ToList();
            return v.Count == 0 ? $"{metric} n/a" : $"{metric} {(metric == "SuccessRate" || metric == "HealthScore" ? v.Min() : v.Max()):0.##}{unit}";
        }

        return $"{Avg("SuccessRate", " %")}, {Avg("ErrorRate", " %")}, {Avg("ResponseTimeP95", " ms")}, {Avg("HealthScore", string.Empty)}, {round.Where(m => m.Metric == "SuccessRate").Sum(m => m.Samples)} request(s)";
    }

    /// <summary>The first six failed measurements, each with its value, what it needed and its round.</summary>
    public static string Describe(IEnumerable<AnalysisMeasurement> failures) =>
        string.Join("; ", failures.Take(6).Select(m => $"{m.Wrapper} {m.Metric} {Format(m.Value)} (needs {m.Comparison} {Format(m.Threshold)}) in round {m.Round}"));

    private static string Format(double? v) => v?.ToString("0.##", CultureInfo.InvariantCulture) ?? "n/a";
}
