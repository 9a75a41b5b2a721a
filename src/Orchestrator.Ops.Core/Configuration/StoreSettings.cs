namespace Orchestrator.Ops.Core.Configuration;

/// <summary>Where state is kept. SQLite under the ops root is the embedded default.</summary>
public sealed record StoreSettings
{
    public string Provider { get; init; } = "sqlite";
    /// <summary>Absolute path of the SQLite file.</summary>
    public required string Path { get; init; }
    public TimeSpan BusyTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long each resolution of health history is kept; the monitoring service prunes what is older, hourly.</summary>
    public HistoryRetention Retention { get; init; } = new();
}
