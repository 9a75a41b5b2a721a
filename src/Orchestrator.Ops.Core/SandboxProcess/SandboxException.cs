namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>The sandbox could not be started or reached, or one already runs under that root.</summary>
public sealed class SandboxException(string message, bool alreadyRunning = false, string? root = null) : Exception(message), IOpsError
{
    /// <summary>True when the failure is that a sandbox already runs under the root.</summary>
    public bool AlreadyRunning { get; } = alreadyRunning;

    /// <summary>The sandbox's root folder, when known.</summary>
    public string? Root { get; } = root;

    public OpsErrorCode Code => AlreadyRunning ? OpsErrorCodes.SandboxAlreadyRunning : OpsErrorCodes.SandboxFailed;

    object? IOpsError.ErrorTarget => Root;
}
