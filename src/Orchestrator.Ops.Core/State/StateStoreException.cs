namespace Orchestrator.Ops.Core.State;

/// <summary>The store cannot be used: locked, corrupt, too new, or unreachable. Nothing was changed.</summary>
public sealed class StateStoreException(string location, StateStoreFailure failure, string message, Exception? inner = null)
    : Exception(message, inner)
{
    public string Location { get; } = location;

    public StateStoreFailure Failure { get; } = failure;
}
