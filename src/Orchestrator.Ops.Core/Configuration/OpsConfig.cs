namespace Orchestrator.Ops.Core.Configuration;

/// <summary>The validated ops configuration. Paths are absolute once loaded.</summary>
public sealed record OpsConfig
{
    /// <summary>Absolute path of the file this configuration was read from.</summary>
    public required string SourcePath { get; init; }

    /// <summary>Absolute path of the ops root: logs, state and backups live under it.</summary>
    public required string OpsRoot { get; init; }

    /// <summary>The slot that takes traffic until a switch records another one in the store.</summary>
    public required string ActiveSlot { get; init; }

    public required IReadOnlyList<WrapperDefinition> Wrappers { get; init; }

    public required IReadOnlyList<SlotDefinition> Slots { get; init; }

    public required HealthCheckSettings HealthChecks { get; init; }

    public required ThresholdSettings Thresholds { get; init; }

    public required StoreSettings Store { get; init; }

    public required ServiceSettings Service { get; init; }

    public required Alerts.AlertSettings Alerts { get; init; }

    public required DeploymentSettings Deployment { get; init; }

    public required BackupSettings Backups { get; init; }

    /// <summary>The vault and the managed secrets (always holding the service API key unless turned off).</summary>
    public required SecretSettings Secrets { get; init; }

    public string LogsFolder => Path.Combine(OpsRoot, "logs");

    public WrapperDefinition? FindWrapper(string name) =>
        Wrappers.FirstOrDefault(w => string.Equals(w.Name, name, StringComparison.OrdinalIgnoreCase));

    public SlotDefinition? FindSlot(string name) =>
        Slots.FirstOrDefault(s => string.Equals(s.Name, name, StringComparison.OrdinalIgnoreCase));
}
