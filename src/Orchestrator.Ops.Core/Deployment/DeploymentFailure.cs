namespace Orchestrator.Ops.Core.Deployment;

/// <summary>Why a deployment operation did not happen.</summary>
public enum DeploymentFailure
{
    /// <summary>Another switch or rollback holds the deployment lock.</summary>
    Locked,

    /// <summary>A slot name that is not in the configuration.</summary>
    UnknownSlot,

    /// <summary>The router could not switch; the previous routing was kept.</summary>
    RouterFailed,

    /// <summary>No rollback point with that id, or no stable one.</summary>
    RollbackPointNotFound,

    /// <summary>A rollback point whose stored files do not match their recorded hashes.</summary>
    RollbackPointTampered,

    /// <summary>A configured command (tests, deploy hook) failed or timed out.</summary>
    CommandFailed,

    /// <summary>Input that cannot be acted on (same slot, nothing to roll back to).</summary>
    InvalidRequest,
}
