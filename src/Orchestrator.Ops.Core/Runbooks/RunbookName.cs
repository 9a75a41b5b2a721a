namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>The runbook's procedures that Invoke-OpsRunbook runs: three checklists (3.3.1) and three investigations (2.2.1–2.2.3).</summary>
public enum RunbookName
{
    /// <summary>3.3.1 daily: health dashboard, error logs of the last day, last backup completed and verified, disk space.</summary>
    DailyMaintenance,

    /// <summary>3.3.1 weekly: performance trends against the targets, security alerts, alert rules, configuration drift.</summary>
    WeeklyMaintenance,

    /// <summary>3.3.1 monthly: secret ages, the disaster-recovery drill, the dependency and vulnerability review.</summary>
    MonthlyMaintenance,

    /// <summary>2.2.1: alerts, dashboard, service accessibility, recent deployments, error logs, resources, network, wrapper health.</summary>
    CriticalOutageTriage,

    /// <summary>2.2.2: response times, success-rate trend, resources, external API issues.</summary>
    PerformanceDegradation,

    /// <summary>2.2.3: suspicious access, failed authentications, rate-limit violations, unusual traffic, configuration integrity.</summary>
    SecurityIncident,
}
