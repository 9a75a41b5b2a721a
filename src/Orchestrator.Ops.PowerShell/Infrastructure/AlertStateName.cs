namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>Alert states as a parameter type; mirrors the engine's enum (see <see cref="AlertSeverityName"/>).</summary>
public enum AlertStateName
{
    Pending = 0,
    Firing = 1,
    Resolved = 2,
}
