namespace Orchestrator.Ops.Core.ServiceProcess;

/// <summary>The monitoring service could not be started, reached or stopped.</summary>
public sealed class OpsServiceException(string message, bool alreadyRunning = false, string? configPath = null) : Exception(message), IOpsError
{
    /// <summary>True when the failure is that a service already runs for the configuration.</summary>
    public bool AlreadyRunning { get; } = alreadyRunning;

    /// <summary>The configuration the service is for, when known.</summary>
    public string? ConfigPath { get; } = configPath;

    public OpsErrorCode Code => AlreadyRunning ? OpsErrorCodes.ServiceAlreadyRunning : OpsErrorCodes.ServiceFailed;

    object? IOpsError.ErrorTarget => ConfigPath;
}
