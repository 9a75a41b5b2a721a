namespace Orchestrator.Ops.Core.Alerts;

/// <summary>An alert's lifecycle: pending while the breach has not yet held for the rule's duration, firing, resolved.</summary>
public enum AlertState
{
    Pending,
    Firing,
    Resolved,
}
