namespace Orchestrator.Ops.Core.Deployment;

/// <summary>A deployment operation was refused or failed; the message says what was (not) changed.</summary>
public sealed class DeploymentException(DeploymentFailure failure, string message, Exception? inner = null) : Exception(message, inner)
{
    public DeploymentFailure Failure { get; } = failure;

    /// <summary>What the failure is about: a slot, a rollback point id, a file, a lock holder.</summary>
    public string? Target { get; init; }
}
