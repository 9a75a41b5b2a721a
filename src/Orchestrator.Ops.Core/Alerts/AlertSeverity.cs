namespace Orchestrator.Ops.Core.Alerts;

/// <summary>The runbook's two alert levels.</summary>
public enum AlertSeverity
{
    Warning,
    Critical,
}
