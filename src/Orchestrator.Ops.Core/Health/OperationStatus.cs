namespace Orchestrator.Ops.Core.Health;

/// <summary>The runbook's operation statuses.</summary>
public enum OperationStatus
{
    Started,
    Success,
    Error,
    Fallback,
    Timeout,
    Cancelled,
}
