namespace Orchestrator.Ops.Core.Alerts;

/// <summary>An alert that changed state in an evaluation: fired or resolved. Only these are notified.</summary>
public sealed record AlertTransition(HealthAlert Alert, AlertState From, AlertState To);
