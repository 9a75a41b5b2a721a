namespace Orchestrator.Ops.Core.State;

/// <summary>The store cannot be used: locked, corrupt, too new, or unreachable. Nothing was changed.</summary>
public sealed class StateStoreException(string location, StateStoreFailure failure, string message, Exception? inner = null)
    : Exception(message, inner), IOpsError
{
    public string Location { get; } = location;

    public StateStoreFailure Failure { get; } = failure;

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => Location;

    public static OpsErrorCode CodeOf(StateStoreFailure failure) => failure switch
    {
        StateStoreFailure.Locked => OpsErrorCodes.StateStoreLocked,
        StateStoreFailure.Corrupt => OpsErrorCodes.StateStoreCorrupt,
        StateStoreFailure.TooNew => OpsErrorCodes.StateStoreTooNew,
        StateStoreFailure.Unavailable => OpsErrorCodes.StateStoreUnavailable,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
