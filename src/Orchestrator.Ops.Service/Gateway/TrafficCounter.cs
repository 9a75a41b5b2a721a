using Orchestrator.Ops.Core.Health;

namespace Orchestrator.Ops.Service.Gateway;

/// <summary>
/// The gateway's in-memory traffic aggregate for one wrapper in one slot: each finished request adds to the current
/// second's <see cref="TrafficAggregate"/> under this counter's own lock (requests to other wrappers or slots never
/// contend for it), and <see cref="TrafficRecorder"/> drains the finished and current seconds on each flush.
/// </summary>
internal sealed class TrafficCounter(string wrapper, string slot)
{
    private static readonly long BucketTicks = TrafficAggregate.BucketWidth.Ticks;

    private readonly object _lock = new();
    private readonly List<TrafficAggregate> _finished = [];
    private TrafficAggregate? _current;

    public string Wrapper { get; } = wrapper;

    public string Slot { get; } = slot;

    /// <summary>Counts one request in the second it ended in.</summary>
    public void Record(OperationStatus status, bool fallbackUsed, int statusCode, double durationMs, DateTimeOffset endedAt)
    {
        var bucket = endedAt.UtcTicks - (endedAt.UtcTicks % BucketTicks);
        lock (_lock)
        {
            if (_current is null || _current.BucketStart.UtcTicks != bucket)
            {
                if (_current is not null)
                {
                    _finished.Add(_current);
                }

                _current = new TrafficAggregate(Wrapper, Slot, new DateTimeOffset(bucket, TimeSpan.Zero));
            }

            _current.Record(status, fallbackUsed, statusCode, durationMs, endedAt);
        }
    }

    /// <summary>Moves everything counted so far, the current second included, into <paramref name="into"/>.</summary>
    public void Drain(List<TrafficAggregate> into)
    {
        lock (_lock)
        {
            into.AddRange(_finished);
            _finished.Clear();
            if (_current is not null)
            {
                into.Add(_current);
                _current = null;
            }
        }
    }
}
