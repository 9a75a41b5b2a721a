namespace Orchestrator.Ops.Core.Health;

/// <summary>A wrapper's or the system's health, best to worst; Unknown when there are too few samples to say.</summary>
public enum HealthStatus
{
    Healthy,
    Degraded,
    Unhealthy,
    Critical,
    Unknown,
}
