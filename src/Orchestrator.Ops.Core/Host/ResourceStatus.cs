namespace Orchestrator.Ops.Core.Host;

/// <summary>A resource against its target.</summary>
public enum ResourceStatus
{
    /// <summary>At or below the target.</summary>
    Ok,
    /// <summary>Above the target (the alert rule of the same resource breaches).</summary>
    OverTarget,
    /// <summary>No data: no /proc, the service is not running, a file system that cannot be read.</summary>
    Unknown,
}
