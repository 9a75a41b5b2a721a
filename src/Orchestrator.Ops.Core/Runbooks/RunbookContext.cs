using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>What every item of one run shares: the engine, the clock's reading at the start, the window, the reporter.</summary>
internal sealed class RunbookContext(OpsEngine engine, RunbookName procedure, DateTimeOffset now, DateTimeOffset since, IOpsReporter reporter)
{
    public OpsEngine Engine { get; } = engine;

    public RunbookName Procedure { get; } = procedure;

    /// <summary>When the run started: the end of the look-back window.</summary>
    public DateTimeOffset Now { get; } = now;

    public DateTimeOffset Since { get; } = since;

    public TimeSpan Window => Now - Since;

    public IOpsReporter Reporter { get; } = reporter;

    /// <summary>The runbook's maintenance checklists (as opposed to its investigations during an incident).</summary>
    public bool IsMaintenance => Procedure is RunbookName.DailyMaintenance or RunbookName.WeeklyMaintenance or RunbookName.MonthlyMaintenance;
}
