namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>The runbook's procedures as a parameter type; mirrors the engine's RunbookName (see <see cref="AlertSeverityName"/>).</summary>
public enum RunbookProcedureName
{
    DailyMaintenance = 0,
    WeeklyMaintenance = 1,
    MonthlyMaintenance = 2,
    CriticalOutageTriage = 3,
    PerformanceDegradation = 4,
    SecurityIncident = 5,
}
