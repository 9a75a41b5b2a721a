using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.LogWriting;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// Writes the gateway's traffic to the store as per-second aggregates: every flush interval it drains each route's
/// <see cref="TrafficCounter"/> and adds what they counted to the store in one transaction (an upsert that adds to the
/// same seconds, so a partly flushed second or a second gateway on the same store add up), so no request waits on the
/// database and the store takes a few rows a second whatever the request rate. A busy or locked store keeps the
/// aggregates in memory (merged per wrapper, slot and second, up to a bound, beyond which the newest are dropped and
/// counted in a warning) for the next flush. Stopping the service writes everything still pending (the web server stops
/// first, so every finished request is counted by then).
/// </summary>
internal sealed class TrafficRecorder(OpsEngine engine, GatewayRoutes routes, TimeProvider time, TimeSpan flushInterval) : BackgroundService
{
    /// <summary>Aggregates (wrapper × slot × second) held in memory at most while the store refuses them: hours of a busy wrapper.</summary>
    public const int Capacity = 20_000;

    private readonly Dictionary<(string Wrapper, string Slot, DateTimeOffset Bucket), TrafficAggregate> _pending = [];
    private readonly List<TrafficAggregate> _drained = [];
    private readonly SemaphoreSlim _flushing = new(1, 1);
    private readonly Serilog.ILogger _log = engine.Log.ForCategory("gateway");
    private long _dropped;
    private bool _failing;

    /// <summary>Raised after each flush reached the store, with the aggregates written (tests wait on it instead of sleeping).</summary>
    public event Action<IReadOnlyList<TrafficAggregate>>? Written;

    /// <summary>Raised when the store refused a flush, with the number of aggregates kept for the next attempt.</summary>
    public event Action<int>? WriteFailed;

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // A few attempts: a store locked by another process for a moment should not lose the last seconds.
        for (var attempt = 0; attempt < 3 && await FlushAsync(CancellationToken.None).ConfigureAwait(false) > 0; attempt++)
        {
        }

        if (_pending.Count > 0)
        {
            _log.Error("StoreUnavailable {Count} request(s) of traffic could not be written before the service stopped",
                _pending.Values.Sum(a => a.Requests));
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(flushInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false))
            {
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Drains the counters and writes what is pending; returns how many aggregates are still pending.</summary>
    private async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        await _flushing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            Collect();
            if (_pending.Count == 0)
            {
                return 0;
            }

            var batch = _pending.Values.ToList();
            try
            {
                await engine.Store.Health.AddTrafficAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreException ex)
            {
                if (!_failing)
                {
                    _failing = true;
                    _log.Warning("Cannot write traffic records to the store ({Error}); {Count} request(s) kept in memory for the next attempt",
                        ex.Message, batch.Sum(a => a.Requests));
                }

                WriteFailed?.Invoke(_pending.Count);
                return _pending.Count;
            }

            _pending.Clear();
            Written?.Invoke(batch);
            if (_failing)
            {
                _failing = false;
                _log.Information("The store accepts traffic records again");
            }

            return 0;
        }
        finally
        {
            _flushing.Release();
        }
    }

    private void Collect()
    {
        foreach (var route in routes.All)
        {
            route.Traffic.Drain(_drained);
        }

        foreach (var a in _drained)
        {
            var key = (a.Wrapper, a.Slot, a.BucketStart);
            if (_pending.TryGetValue(key, out var existing))
            {
                existing.Add(a);
            }
            else if (_pending.Count < Capacity)
            {
                _pending[key] = a;
            }
            else
            {
                _dropped += a.Requests;
            }
        }

        _drained.Clear();
        if (_dropped > 0)
        {
            _log.Warning("Dropped {Count} request(s) of traffic: more than {Capacity} seconds of traffic were waiting for the store", _dropped, Capacity);
            _dropped = 0;
        }
    }

    public override void Dispose()
    {
        _flushing.Dispose();
        base.Dispose();
    }
}
