namespace Orchestrator.Ops.Core.Configuration;

/// <summary>The monitoring service: where it listens, its certificate and API key, and how it treats failed logins.</summary>
public sealed record ServiceSettings
{
    /// <summary>The address the API and gateway listen on. Loopback unless <see cref="AllowRemote"/>.</summary>
    public string ListenAddress { get; init; } = "127.0.0.1";

    /// <summary>Listening beyond loopback must be asked for explicitly.</summary>
    public bool AllowRemote { get; init; }

    /// <summary>The HTTPS API and dashboard port (the runbook's 5000).</summary>
    public int ApiPort { get; init; } = 5000;

    /// <summary>The traffic gateway port (the original system's proxy port).</summary>
    public int GatewayPort { get; init; } = 4999;

    /// <summary>A PEM or PFX certificate; null to generate a self-signed one under the ops root on first start.</summary>
    public string? CertificatePath { get; init; }

    /// <summary>The PEM private key, when the certificate is a PEM file without its key.</summary>
    public string? CertificateKeyPath { get; init; }

    /// <summary>The environment variable holding the PFX password, if the PFX has one (never the password itself).</summary>
    public string? CertificatePasswordVariable { get; init; }

    /// <summary>The file holding the API key (0600), generated on first start when missing.</summary>
    public required string ApiKeyPath { get; init; }

    /// <summary>Failed authentications from one client within <see cref="FailedAuthWindow"/> before it is rate limited.</summary>
    public int FailedAuthLimit { get; init; } = 10;

    public TimeSpan FailedAuthWindow { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>The folder under the ops root where the service keeps its certificate, key and ready file.</summary>
    public required string StateFolder { get; init; }
}
