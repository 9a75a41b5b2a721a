namespace Orchestrator.Ops.Core.Alerts;

/// <summary>
/// A rule: the metric breaches when it is above (or, with <paramref name="Below"/>, below) the threshold;
/// an alert fires once the breach has held for <paramref name="For"/>.
/// </summary>
public sealed record AlertRule(string Name, AlertSeverity Severity, AlertMetric Metric, bool Below, double Threshold, TimeSpan For)
{
    public bool IsBreachedBy(double value) => Below ? value < Threshold : value > Threshold;

    /// <summary>True for rules about the machine or the service rather than one wrapper.</summary>
    public bool IsSystemRule => Metric is AlertMetric.CpuPercent or AlertMetric.MemoryPercent or AlertMetric.DiskPercent or AlertMetric.ConfigurationDrift;

    public string Describe(double value)
    {
        var unit = Metric switch
        {
            AlertMetric.ResponseTime => " ms",
            AlertMetric.Unavailable => " failed probe(s)",
            AlertMetric.ConfigurationDrift => string.Empty,
            AlertMetric.HealthScore => string.Empty,
            _ => "%",
        };
        var v = value.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        var t = Threshold.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);
        return $"{Metric} {v}{unit} {(Below ? "<" : ">")} {t}{unit}";
    }
}
