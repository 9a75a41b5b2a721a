namespace Orchestrator.Ops.Core.Alerts;

/// <summary>What a rule watches, per wrapper.</summary>
public enum AlertMetric
{
    /// <summary>Success rate, percent.</summary>
    SuccessRate,
    /// <summary>Error rate, percent.</summary>
    ErrorRate,
    /// <summary>Health score, 0–100.</summary>
    HealthScore,
    /// <summary>Mean response time, milliseconds.</summary>
    ResponseTime,
    /// <summary>Probes failed in a row at the end of the window: the wrapper does not answer.</summary>
    Unavailable,
    /// <summary>The machine's CPU use, percent (a system rule, not per wrapper).</summary>
    CpuPercent,
    /// <summary>The machine's memory use, percent (a system rule).</summary>
    MemoryPercent,
    /// <summary>Disk use of the file system holding the ops root, percent (a system rule).</summary>
    DiskPercent,
    /// <summary>1 when the configuration file changed since the service loaded it, else 0 (a system rule).</summary>
    ConfigurationDrift,
}
