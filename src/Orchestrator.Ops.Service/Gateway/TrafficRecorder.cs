using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Orchestrator.Ops.Core;
using Orchestrator.Ops.Core.Health;
using Orchestrator.Ops.Core.Logging;
using Orchestrator.Ops.Core.State;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// Takes the gateway's completed-request records off the request path and writes them to the store in batches
/// (one transaction each), so no request waits on the database. A busy or locked store delays the batch to the next
/// tick; records wait in memory up to a bound, beyond which they are dropped and counted in a warning. Stopping the
/// service writes everything still pending (the web server stops first, so every finished request is in by then).
/// </summary>
internal sealed class TrafficRecorder(OpsEngine engine, TimeProvider time, TimeSpan flushInterval) : BackgroundService
{
    public const int BatchSize = 500;

    /// <summary>Records held in memory at most (queued plus waiting for the store).</summary>
    public const int Capacity = 100_000;

    private readonly Channel<OperationRecord> _queue = Channel.CreateBounded<OperationRecord>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });

    private readonly List<OperationRecord> _pending = [];
    private readonly Serilog.ILogger _log = engine.Log.ForCategory("gateway");
    private long _dropped;
    private bool _failing;

    /// <summary>Raised after each batch reaches the store (tests wait on it instead of sleeping).</summary>
    public event Action<IReadOnlyList<OperationRecord>>? Written;

    /// <summary>Raised when the store refused a batch, with the number of records kept for the next attempt.</summary>
    public event Action<int>? WriteFailed;

    /// <summary>Queues a record without waiting; counts it as dropped when the queue is full.</summary>
    public void Record(OperationRecord record)
    {
        if (!_queue.Writer.TryWrite(record))
        {
            Interlocked.Increment(ref _dropped);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken).ConfigureAwait(false);

        // A few attempts: a store locked by another process for a moment should not lose the last records.
        for (var attempt = 0; attempt < 3 && (_pending.Count > 0 || _queue.Reader.Count > 0); attempt++)
        {
            await FlushAsync(CancellationToken.None).ConfigureAwait(false);
        }

        if (_pending.Count > 0 || _queue.Reader.Count > 0)
        {
            _log.Error("StoreUnavailable {Count} traffic record(s) could not be written before the service stopped", _pending.Count + _queue.Reader.Count);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                if (_pending.Count == 0)
                {
                    await _queue.Reader.WaitToReadAsync(stoppingToken).ConfigureAwait(false);
                }

                // Gather a tick's worth of records into few transactions.
                await Task.Delay(flushInterval, time, stoppingToken).ConfigureAwait(false);
                await FlushAsync(stoppingToken).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    private async Task FlushAsync(CancellationToken cancellationToken)
    {
        while (_pending.Count < Capacity && _queue.Reader.TryRead(out var record))
        {
            _pending.Add(record);
        }

        var dropped = Interlocked.Exchange(ref _dropped, 0);
        if (dropped > 0)
        {
            _log.Warning("Dropped {Count} traffic record(s): more than {Capacity} were waiting for the store", dropped, Capacity);
        }

        while (_pending.Count > 0)
        {
            var batch = _pending.GetRange(0, Math.Min(BatchSize, _pending.Count));
            try
            {
                await engine.Store.Health.AddAsync(batch, cancellationToken).ConfigureAwait(false);
            }
            catch (StateStoreException ex)
            {
                if (!_failing)
                {
                    _failing = true;
                    _log.Warning("Cannot write traffic records to the store ({Error}); {Count} kept in memory for the next attempt", ex.Message, _pending.Count);
                }

                WriteFailed?.Invoke(_pending.Count);

                return;
            }

            _pending.RemoveRange(0, batch.Count);
            Written?.Invoke(batch);
            if (_failing)
            {
                _failing = false;
                _log.Information("The store accepts traffic records again");
            }
        }
    }
}
