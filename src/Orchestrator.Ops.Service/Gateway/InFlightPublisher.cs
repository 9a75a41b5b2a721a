using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// Publishes the gateway's in-flight count to the store (<see cref="GatewayInFlight.SettingKey"/>) once a second when it
/// changed, and often enough otherwise that it never looks stale to <see cref="HealthService"/>; 0 when the service stops.
/// </summary>
internal sealed class InFlightPublisher(OpsEngine engine, TrafficGateway gateway, TimeProvider time) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    /// <summary>An unchanged count is published again after this long, inside the 5 s freshness window.</summary>
    public static readonly TimeSpan Refresh = GatewayInFlight.FreshFor - Interval;

    private readonly Serilog.ILogger _log = engine.Log.ForCategory("gateway");
    private int _last = -1;
    private DateTimeOffset _lastAt;
    private bool _failing;

    /// <summary>Raised after each successful publication with the count (tests wait on it instead of sleeping).</summary>
    public event Action<GatewayInFlight>? Published;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);
        await PublishAsync(0, force: true, CancellationToken.None).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            await PublishAsync(gateway.InFlight, force: false, stoppingToken).ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await PublishAsync(gateway.InFlight, force: false, stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task PublishAsync(int count, bool force, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        if (!force && count == _last && now - _lastAt < Refresh)
        {
            return;
        }

        var value = new GatewayInFlight(count, now);
        try
        {
            await engine.Store.Settings.SetAsync(GatewayInFlight.SettingKey, value.ToJson(), cancellationToken).ConfigureAwait(false);
        }
        catch (StateStoreException ex)
        {
            if (!_failing)
            {
                _failing = true;
                _log.Warning("Cannot publish the gateway's in-flight count to the store ({Error}); will retry", ex.Message);
            }

            return;
        }

        _failing = false;
        (_last, _lastAt) = (count, now);
        Published?.Invoke(value);
    }
}
