namespace Orchestrator.Ops.Core.Deployment;

/// <summary>A deployment operation was refused or failed; the message says what was (not) changed.</summary>
public sealed class DeploymentException(DeploymentFailure failure, string message, Exception? inner = null) : Exception(message, inner), IOpsError
{
    public DeploymentFailure Failure { get; } = failure;

    /// <summary>What the failure is about: a slot, a rollback point id, a file, a lock holder.</summary>
    public string? Target { get; init; }

    public OpsErrorCode Code => CodeOf(Failure);

    object? IOpsError.ErrorTarget => Target;

    public static OpsErrorCode CodeOf(DeploymentFailure failure) => failure switch
    {
        DeploymentFailure.Locked => OpsErrorCodes.DeploymentLocked,
        DeploymentFailure.UnknownSlot => OpsErrorCodes.SlotNotFound,
        DeploymentFailure.RouterFailed => OpsErrorCodes.DeploymentRouterFailed,
        DeploymentFailure.RollbackPointNotFound => OpsErrorCodes.RollbackPointNotFound,
        DeploymentFailure.RollbackPointTampered => OpsErrorCodes.RollbackPointTampered,
        DeploymentFailure.CommandFailed => OpsErrorCodes.DeploymentCommandFailed,
        DeploymentFailure.InvalidRequest => OpsErrorCodes.DeploymentInvalidRequest,
        _ => throw new ArgumentOutOfRangeException(nameof(failure), failure, null),
    };
}
