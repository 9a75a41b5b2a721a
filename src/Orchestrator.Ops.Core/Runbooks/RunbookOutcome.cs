namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>What an item's check decided.</summary>
internal sealed record RunbookOutcome(RunbookStatus Status, string Detail, IReadOnlyList<RunbookEvidence> Evidence)
{
    public static RunbookOutcome Skipped(string reason, IReadOnlyList<RunbookEvidence>? evidence = null) => new(RunbookStatus.Skipped, reason, evidence ?? []);

    /// <summary>The worst of the rows' statuses (Pass when none has one).</summary>
    public static RunbookStatus Worst(IEnumerable<RunbookEvidence> rows) => Worst(rows.Select(r => r.Status ?? RunbookStatus.Pass));

    public static RunbookStatus Worst(IEnumerable<RunbookStatus> statuses)
    {
        var worst = RunbookStatus.Pass;
        foreach (var s in statuses)
        {
            if (s == RunbookStatus.Fail)
            {
                return s;
            }

            if (s == RunbookStatus.Warn)
            {
                worst = s;
            }
        }

        return worst;
    }
}
