using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// The ops state store. One provider (SQLite embedded; PostgreSQL later) implements every capability's
/// store interface, so capabilities never know which database holds their tables.
/// </summary>
public interface IStateStore : IAsyncDisposable
{
    /// <summary>A human-readable description of where the state lives (a file path, a server).</summary>
    string Location { get; }

    /// <summary>The schema version the store is at.</summary>
    Task<int> GetSchemaVersionAsync(CancellationToken cancellationToken);

    /// <summary>The health capability's records: probes and operations.</summary>
    IHealthStore Health { get; }

    /// <summary>The alerting capability's alerts.</summary>
    IAlertStore Alerts { get; }

    /// <summary>The deployment capability's lock, journal and rollback points.</summary>
    IDeploymentStore Deployment { get; }

    /// <summary>The secret rotation journal (never a value).</summary>
    ISecretStore Secrets { get; }

    /// <summary>Small named values (the active slot, markers) that several capabilities read.</summary>
    ISettingsStore Settings { get; }
}
