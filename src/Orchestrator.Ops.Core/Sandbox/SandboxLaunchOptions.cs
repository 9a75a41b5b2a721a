namespace Orchestrator.Ops.Core.Sandbox;

/// <summary>How to start a sandbox fleet.</summary>
public sealed record SandboxLaunchOptions
{
    public required string Root { get; init; }
    public required string SandboxAssembly { get; init; }
    /// <summary>The JSON Schema the written configuration points editors at, when known.</summary>
    public string? SchemaPath { get; init; }
    public int BenchEndpoints { get; init; }
    public int BenchHang { get; init; }
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(30);
}
