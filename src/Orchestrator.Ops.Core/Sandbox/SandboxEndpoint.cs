namespace Orchestrator.Ops.Core.Sandbox;

/// <summary>One wrapper instance of the sandbox fleet.</summary>
public sealed record SandboxEndpoint(string Wrapper, string Kind, string Slot, Uri BaseUrl);
