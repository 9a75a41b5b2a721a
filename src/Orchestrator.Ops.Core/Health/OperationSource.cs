namespace Orchestrator.Ops.Core.Health;

/// <summary>Where an operation record came from.</summary>
public enum OperationSource
{
    /// <summary>A health probe sent by Orchestrator.Ops.</summary>
    Probe,
    /// <summary>A real request that passed through the gateway.</summary>
    Traffic,
}
