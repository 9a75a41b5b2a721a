namespace Orchestrator.Ops.Core.ServiceProcess;

/// <summary>Whether the monitoring service of a configuration runs, and whether it answers its liveness check.</summary>
public sealed record OpsServiceStatus
{
    public required bool Running { get; init; }
    public required bool Healthy { get; init; }
    public int? ProcessId { get; init; }
    public Uri? ApiUrl { get; init; }
    public Uri? GatewayUrl { get; init; }
    public string? LogsFolder { get; init; }
    public string? ApiKeyPath { get; init; }
    public DateTimeOffset? StartedAt { get; init; }
    public required string ConfigPath { get; init; }
    public required string Message { get; init; }
}
