namespace Orchestrator.Ops.Service;

/// <summary>Failed authentications per client within a sliding window, on the injected clock.</summary>
internal sealed class FailedAuthTracker(int limit, TimeSpan window, TimeProvider time)
{
    private const int MaxClients = 10_000;
    private readonly Dictionary<string, Queue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private readonly object _gate = new();
    private long _total;

    /// <summary>Every failed authentication since the service started.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>When the client has reached the limit within the window: how long until it may try again.</summary>
    public TimeSpan? RetryAfter(string client)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!_failures.TryGetValue(client, out var q))
            {
                return null;
            }

            Prune(client, q, now);
            return q.Count >= limit ? q.Peek() + window - now : null;
        }
    }

    /// <summary>Records a failure; returns how many the client has within the window.</summary>
    public int RecordFailure(string client)
    {
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (!_failures.TryGetValue(client, out var q))
            {
                if (_failures.Count >= MaxClients)
                {
                    foreach (var (k, v) in _failures.ToList())
                    {
                        Prune(k, v, now);
                    }
                }

                q = new Queue<DateTimeOffset>();
                _failures[client] = q;
            }

            Prune(client, q, now);
            q.Enqueue(now);
            _failures[client] = q;
            return q.Count;
        }
    }

    private void Prune(string client, Queue<DateTimeOffset> q, DateTimeOffset now)
    {
        while (q.Count > 0 && now - q.Peek() >= window)
        {
            q.Dequeue();
        }

        if (q.Count == 0)
        {
            _failures.Remove(client);
        }
    }
}
