namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Where state is kept. SQLite under the ops root is the embedded default.</summary>
public sealed record StoreSettings
{
    public string Provider { get; init; } = "sqlite";
    /// <summary>Absolute path of the SQLite file.</summary>
    public required string Path { get; init; }
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Probe records and traffic aggregates older than this are removed by the monitoring service (hourly).</summary>
    public TimeSpan Retention { get; init; } = TimeSpan.FromDays(31);
}
