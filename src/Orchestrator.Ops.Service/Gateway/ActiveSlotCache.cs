using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// The active slot as the gateway sees it: read from the store before the gateway opens and then every
/// <see cref="RefreshInterval"/>, so a switch (which only changes the store) takes effect within a second and no
/// request ever reads the store. A request keeps the slot it started with, so requests in flight finish on the old slot.
/// </summary>
internal sealed class ActiveSlotCache(OpsEngine engine, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromMilliseconds(500);

    private readonly Serilog.ILogger _log = engine.Log.ForCategory("gateway");
    private volatile string _current = engine.Config.ActiveSlot;
    private bool _failing;

    /// <summary>The slot new requests go to.</summary>
    public string Current => _current;

    /// <summary>Raised after each refresh with the slot read (tests wait on it instead of sleeping).</summary>
    public event Action<string>? Refreshed;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        await RefreshAsync(cancellationToken).ConfigureAwait(false);
        await base.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(RefreshInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await RefreshAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        try
        {
            var slot = await engine.Health.GetActiveSlotAsync(cancellationToken).ConfigureAwait(false);
            if (!string.Equals(slot, _current, StringComparison.Ordinal))
            {
                _log.Information("Gateway now routes new requests to slot {Slot} (was {Previous})", slot, _current);
                _current = slot;
            }

            if (_failing)
            {
                _failing = false;
                _log.Information("The store answers again; the gateway follows its active slot ({Slot})", slot);
            }

            Refreshed?.Invoke(slot);
        }
        catch (StateStoreException ex)
        {
            // Keep routing to the last known slot; warn once per outage, not twice a second.
            if (!_failing)
            {
                _failing = true;
                _log.Warning("Cannot read the active slot from the store ({Error}); the gateway keeps routing to {Slot}", ex.Message, _current);
            }
        }
    }
}
