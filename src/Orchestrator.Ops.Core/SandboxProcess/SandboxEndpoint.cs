namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>One wrapper instance of the sandbox fleet.</summary>
public sealed record SandboxEndpoint(string Wrapper, string Kind, string Slot, Uri BaseUrl);
