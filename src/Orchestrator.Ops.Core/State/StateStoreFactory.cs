using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.State;

/// <summary>Opens the store the configuration names. The one place that knows which providers exist.</summary>
public static class StateStoreFactory
{
    public static async Task<IStateStore> OpenAsync(StoreSettings settings, TimeProvider time, CancellationToken cancellationToken) =>
        settings.Provider switch
        {
            "sqlite" => await SqliteStateStore.OpenAsync(settings.Path, settings.BusyTimeout, time, cancellationToken).ConfigureAwait(false),
            _ => throw new StateStoreException(settings.Path, StateStoreFailure.Unavailable,
                $"The state store provider '{settings.Provider}' is not supported; use sqlite."),
        };
}
