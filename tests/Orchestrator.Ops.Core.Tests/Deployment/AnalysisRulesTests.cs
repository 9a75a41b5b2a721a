using Orchestrator.Ops.Core.Configuration;
using Orchestrator.Ops.Core.Deployment;
using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.Tests.Deployment;

/// <summary>The pure rules of post-switch analysis: judging a round, when to go on or conclude, and what a verdict leads to.</summary>
public sealed class AnalysisRulesTests
{
    private static readonly DateTimeOffset At = new(2026, 11, 27, 10, 15, 0, TimeSpan.Zero);
    private static readonly ThresholdSettings Runbook = new();

    private static HealthAssessment Score(double? score) => new(score, score is null ? HealthStatus.Unknown : HealthStatus.Healthy, "test");

    [Fact]
    public void A_round_with_good_traffic_passes_every_metric_with_the_runbooks_thresholds()
    {
        var traffic = new WindowStats { Total = 40, SuccessRate = 97.5, ErrorRate = 2.5, P95Ms = 310 };
        var since = new WindowStats { Total = 52 };

        var round = AnalysisRules.Judge(3, At, "routellm", traffic, since, Score(92), Runbook);

        Assert.Equal(["SuccessRate", "ErrorRate", "ResponseTimeP95", "HealthScore"], round.Select(m => m.Metric));
        Assert.All(round, m => Assert.Equal((3, At, "routellm", AnalysisVerdict.Pass), (m.Round, m.At, m.Wrapper, m.Verdict)));
        Assert.Equal([(95.0, ">="), (5.0, "<="), (5000.0, "<="), (50.0, ">=")], round.Select(m => (m.Threshold, m.Comparison)));
        Assert.Equal([40, 40, 40, 52], round.Select(m => m.Samples));
    }

    [Fact]
    public void Thresholds_are_inclusive_and_a_breach_fails_only_its_metric()
    {
        var traffic = new WindowStats { Total = 20, SuccessRate = 95, ErrorRate = 5, P95Ms = 5000.5 };

        var round = AnalysisRules.Judge(1, At, "poml", traffic, new WindowStats { Total = 20 }, Score(50), Runbook);

        Assert.Equal([AnalysisVerdict.Pass, AnalysisVerdict.Pass, AnalysisVerdict.Fail, AnalysisVerdict.Pass], round.Select(m => m.Verdict));
        Assert.Equal(5000.5, round[2].Value);
    }

    [Fact]
    public void No_traffic_makes_the_traffic_metrics_inconclusive_and_an_unknown_score_too()
    {
        var round = AnalysisRules.Judge(2, At, "routellm", new WindowStats(), new WindowStats { Total = 1 }, Score(null), Runbook);

        Assert.All(round, m => Assert.Equal(AnalysisVerdict.Inconclusive, m.Verdict));
        Assert.Equal([0, 0, 0, 1], round.Select(m => m.Samples));

        // Traffic whose values are missing is not judged either.
        var partial = AnalysisRules.Judge(2, At, "routellm", new WindowStats { Total = 3, SuccessRate = 10 }, new WindowStats(), Score(10), Runbook);
        Assert.Equal([AnalysisVerdict.Fail, AnalysisVerdict.Inconclusive, AnalysisVerdict.Inconclusive, AnalysisVerdict.Fail], partial.Select(m => m.Verdict));
    }

    [Theory]
    [InlineData(0.3, 5)]
    [InlineData(5, 5)]
    [InlineData(30, 30)]
    public void A_round_judges_the_last_interval_but_at_least_5_s(double intervalSeconds, double windowSeconds)
    {
        var d = new DeploymentSettings { RouterFile = "/nonexistent", AnalysisInterval = TimeSpan.FromSeconds(intervalSeconds) };

        Assert.Equal(TimeSpan.FromSeconds(windowSeconds), AnalysisRules.TrafficWindow(d));
    }

    // The expected next step and decision are named as strings: theory parameters cannot be Core's internal enums.
    [Theory]
    // failed rounds, limit, -NoAutoRollback, saw traffic, ended, extended, policy -> next, verdict
    [InlineData(1, 0, false, true, false, false, InconclusivePolicy.Pass, "Conclude", AnalysisVerdict.Fail)]
    [InlineData(1, 0, true, true, false, false, InconclusivePolicy.Pass, "Continue", AnalysisVerdict.Inconclusive)]
    [InlineData(1, 0, true, true, true, false, InconclusivePolicy.Pass, "Conclude", AnalysisVerdict.Fail)]
    [InlineData(1, 1, false, true, false, false, InconclusivePolicy.Pass, "Continue", AnalysisVerdict.Inconclusive)]
    [InlineData(1, 1, false, true, true, false, InconclusivePolicy.Pass, "Conclude", AnalysisVerdict.Pass)]
    [InlineData(0, 0, false, false, true, false, InconclusivePolicy.Pass, "Conclude", AnalysisVerdict.Inconclusive)]
    [InlineData(0, 0, false, false, true, false, InconclusivePolicy.Fail, "Conclude", AnalysisVerdict.Inconclusive)]
    [InlineData(0, 0, false, false, true, false, InconclusivePolicy.Wait, "Extend", AnalysisVerdict.Inconclusive)]
    [InlineData(0, 0, false, false, true, true, InconclusivePolicy.Wait, "Conclude", AnalysisVerdict.Inconclusive)]
    [InlineData(0, 0, false, false, false, true, InconclusivePolicy.Wait, "Continue", AnalysisVerdict.Inconclusive)]
    [InlineData(0, 0, false, true, false, true, InconclusivePolicy.Wait, "Conclude", AnalysisVerdict.Pass)]
    [InlineData(1, 0, true, true, false, true, InconclusivePolicy.Wait, "Conclude", AnalysisVerdict.Fail)]
    public void After_a_round_the_analysis_goes_on_waits_once_or_concludes(
        int failedRounds, int limit, bool noAutoRollback, bool sawTraffic, bool ended, bool extended, InconclusivePolicy policy, string next, AnalysisVerdict verdict)
    {
        var step = AnalysisRules.AfterRound(failedRounds, limit, noAutoRollback, sawTraffic, ended, extended, policy);

        Assert.Equal(Enum.Parse<AnalysisNext>(next), step.Next);
        if (step.Next != AnalysisNext.Continue)
        {
            Assert.Equal(verdict, step.Verdict);
        }
    }

    [Theory]
    [InlineData(AnalysisVerdict.Fail, InconclusivePolicy.Pass, false, "SwitchBack")]
    [InlineData(AnalysisVerdict.Fail, InconclusivePolicy.Pass, true, "KeepFailed")]
    [InlineData(AnalysisVerdict.Inconclusive, InconclusivePolicy.Fail, false, "SwitchBack")]
    [InlineData(AnalysisVerdict.Inconclusive, InconclusivePolicy.Fail, true, "KeepFailed")]
    [InlineData(AnalysisVerdict.Inconclusive, InconclusivePolicy.Wait, false, "KeepUnconfirmed")]
    [InlineData(AnalysisVerdict.Inconclusive, InconclusivePolicy.Pass, false, "KeepStable")]
    [InlineData(AnalysisVerdict.Pass, InconclusivePolicy.Fail, false, "KeepStable")]
    [InlineData(AnalysisVerdict.Pass, InconclusivePolicy.Wait, true, "KeepStable")]
    public void A_verdict_leads_to_switching_back_or_keeping_the_slot(AnalysisVerdict verdict, InconclusivePolicy policy, bool noAutoRollback, string decision) =>
        Assert.Equal(Enum.Parse<SwitchDecision>(decision), AnalysisRules.Decide(verdict, policy, noAutoRollback));

    [Fact]
    public void A_failure_reads_with_its_value_what_it_needed_and_its_round_at_most_six()
    {
        var failures = Enumerable.Range(1, 8).Select(i => new AnalysisMeasurement(i, At, "routellm", "HealthScore", i == 1 ? null : 42.125, 50, ">=", AnalysisVerdict.Fail, 3)).ToList();

        var text = AnalysisRules.Describe(failures);

        Assert.StartsWith("routellm HealthScore n/a (needs >= 50) in round 1; routellm HealthScore 42.13 (needs >= 50) in round 2", text);
        Assert.EndsWith("in round 6", text);
        Assert.Equal(6, text.Split("; ").Length);
    }

    [Fact]
    public void A_round_summary_shows_the_worst_values_and_the_requests()
    {
        var round = AnalysisRules.Judge(1, At, "routellm", new WindowStats { Total = 10, SuccessRate = 90, ErrorRate = 10, P95Ms = 120 }, new WindowStats { Total = 10 }, Score(70), Runbook)
            .Concat(AnalysisRules.Judge(1, At, "poml", new WindowStats { Total = 5, SuccessRate = 100, ErrorRate = 0, P95Ms = 480 }, new WindowStats { Total = 5 }, Score(null), Runbook))
            .ToList();

        Assert.Equal("SuccessRate 90 %, ErrorRate 10 %, ResponseTimeP95 480 ms, HealthScore 70, 15 request(s)", AnalysisRules.Summary(round));
    }
}
