namespace Orchestrator.Ops.Core.SandboxProcess;

/// <summary>A running sandbox fleet: where it lives, its process, and the configuration written for it.</summary>
public sealed record SandboxInfo
{
    public required string Root { get; init; }
    public required string ConfigPath { get; init; }
    public required int ProcessId { get; init; }
    public required Uri ControlUrl { get; init; }
    public required DateTimeOffset StartedAt { get; init; }
    public required IReadOnlyList<SandboxEndpoint> Instances { get; init; }
    public Uri? BenchBaseUrl { get; init; }
}
