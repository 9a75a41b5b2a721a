namespace Orchestrator.Ops.PowerShell.Infrastructure;

/// <summary>
/// Alert severities as a parameter type. The engine's own enum lives in the module's private load context,
/// so parameters use this mirror (same names and values) to keep the cmdlet assembly free of engine value types.
/// </summary>
public enum AlertSeverityName
{
    Warning = 0,
    Critical = 1,
}
