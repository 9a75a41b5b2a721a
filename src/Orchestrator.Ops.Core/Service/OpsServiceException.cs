namespace Orchestrator.Ops.Core.Service;

/// <summary>The monitoring service could not be started, reached or stopped.</summary>
public sealed class OpsServiceException(string message, bool alreadyRunning = false) : Exception(message)
{
    /// <summary>True when the failure is that a service already runs for the configuration.</summary>
    public bool AlreadyRunning { get; } = alreadyRunning;
}
