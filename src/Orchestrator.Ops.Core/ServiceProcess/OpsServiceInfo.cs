namespace Orchestrator.Ops.Core.ServiceProcess;

/// <summary>A running monitoring service, as its ready file describes it. Holds the API key's location, never the key.</summary>
public sealed record OpsServiceInfo
{
    public required int ProcessId { get; init; }
    public required Uri ApiUrl { get; init; }
    public Uri? GatewayUrl { get; init; }
    public required string ConfigPath { get; init; }
    public required string LogsFolder { get; init; }
    public required string ApiKeyPath { get; init; }
    public string? CertificatePath { get; init; }
    /// <summary>SHA-256 of the service's certificate, upper-case hex: clients pin it instead of trusting a self-signed CA.</summary>
    public required string CertificateThumbprint { get; init; }
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>The dashboard's address (the API's root).</summary>
    public Uri DashboardUrl => ApiUrl;
}
