namespace Orchestrator.Ops.Core.State;

/// <summary>Named values shared by capabilities.</summary>
public interface ISettingsStore
{
    Task<string?> GetAsync(string key, CancellationToken cancellationToken);

    Task SetAsync(string key, string value, CancellationToken cancellationToken);
}
