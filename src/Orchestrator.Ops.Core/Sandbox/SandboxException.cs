namespace Orchestrator.Ops.Core.Sandbox;

/// <summary>The sandbox could not be started or reached.</summary>
public sealed class SandboxException(string message) : Exception(message);
