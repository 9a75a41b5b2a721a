namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>A target could not be written or read. The message names the target and the cause, never a value.</summary>
public sealed class SecretTargetException(string target, string message, Exception? inner = null) : Exception(message, inner), IOpsError
{
    /// <summary>The target's display text.</summary>
    public string Target { get; } = target;

    public OpsErrorCode Code => OpsErrorCodes.SecretTargetFailed;

    object? IOpsError.ErrorTarget => Target;
}
