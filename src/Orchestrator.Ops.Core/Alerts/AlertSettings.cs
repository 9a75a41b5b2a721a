namespace Orchestrator.Ops.Core.Alerts;

/// <summary>The alerting section of the configuration.</summary>
public sealed record AlertSettings
{
    /// <summary>How long a breach must hold before a rule's alert fires (rules may override).</summary>
    public TimeSpan For { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How long a firing alert's breach must stay cleared before it resolves, so a flapping wrapper does not flap the alert.</summary>
    public TimeSpan ResolveHold { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Endpoints that receive a JSON POST when an alert fires or resolves.</summary>
    public IReadOnlyList<Uri> Webhooks { get; init; } = [];

    /// <summary>The rules; the runbook's by default.</summary>
    public IReadOnlyList<AlertRule> Rules { get; init; } = [];

    /// <summary>The runbook's alert thresholds (section 2.1) as rules, all with the same for-duration.</summary>
    public static IReadOnlyList<AlertRule> RunbookRules(Configuration.ThresholdSettings t, TimeSpan @for) =>
    [
        new("SuccessRateLow", AlertSeverity.Critical, AlertMetric.SuccessRate, Below: true, t.MinSuccessRatePercent, @for),
        new("ErrorRateHigh", AlertSeverity.Critical, AlertMetric.ErrorRate, Below: false, t.MaxErrorRatePercent, @for),
        new("HealthScoreCritical", AlertSeverity.Critical, AlertMetric.HealthScore, Below: true, t.HealthCriticalPercent, @for),
        new("ServiceUnavailable", AlertSeverity.Critical, AlertMetric.Unavailable, Below: false, 0, @for),
        new("ResponseTimeHigh", AlertSeverity.Warning, AlertMetric.ResponseTime, Below: false, t.MaxResponseMs, @for),
        new("HealthScoreLow", AlertSeverity.Warning, AlertMetric.HealthScore, Below: true, t.HealthWarningPercent, @for),
        new("CpuHigh", AlertSeverity.Warning, AlertMetric.CpuPercent, Below: false, 70, @for),
        new("MemoryHigh", AlertSeverity.Warning, AlertMetric.MemoryPercent, Below: false, 80, @for),
        new("DiskHigh", AlertSeverity.Warning, AlertMetric.DiskPercent, Below: false, 80, @for),
        new("ConfigurationDrift", AlertSeverity.Warning, AlertMetric.ConfigurationDrift, Below: false, 0, TimeSpan.Zero),
    ];
}
