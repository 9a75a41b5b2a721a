namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Thrown inside an item's check when what it needs is not available here: the item becomes Skipped with this reason.</summary>
internal sealed class RunbookSkipException(string reason) : Exception(reason);
