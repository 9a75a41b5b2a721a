namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// The gateway's requests to one wrapper in one slot that ended in one bucket of time (a second as the gateway writes
/// them; readers merge buckets into windows and steps): counts by outcome and status class, the latency sum and a
/// <see cref="LatencyHistogram"/>. Traffic is recorded this way instead of one row per request, so the gateway's cost
/// and the readers' cost do not grow with the request rate. Not thread-safe: the gateway fills one under a lock.
/// </summary>
public sealed class TrafficAggregate(string wrapper, string slot, DateTimeOffset bucketStart)
{
    /// <summary>The width of the buckets the gateway writes: a request counts in the second it ended in.</summary>
    public static readonly TimeSpan BucketWidth = TimeSpan.FromSeconds(1);

    public string Wrapper { get; } = wrapper;
    public string Slot { get; } = slot;

    /// <summary>The start of the bucket; a window counts the buckets that start inside it.</summary>
    public DateTimeOffset BucketStart { get; } = bucketStart;

    /// <summary>Answered without a fallback (4xx other than 408/429 included: the caller's mistake, answered correctly).</summary>
    public long Successes { get; private set; }

    /// <summary>Answered with <c>X-Orchestrator-Fallback: true</c>.</summary>
    public long Fallbacks { get; private set; }

    /// <summary>5xx, 408, 429 and failures to reach the wrapper, timeouts excluded.</summary>
    public long Errors { get; private set; }

    /// <summary>The wrapper did not answer in time.</summary>
    public long Timeouts { get; private set; }

    /// <summary>The client went away first; not counted in rates or latencies.</summary>
    public long Cancelled { get; private set; }

    public long Status1xx { get; private set; }
    public long Status2xx { get; private set; }
    public long Status3xx { get; private set; }
    public long Status4xx { get; private set; }
    public long Status5xx { get; private set; }

    /// <summary>The sum of the latencies in <see cref="Latency"/>, in milliseconds.</summary>
    public double LatencySumMs { get; private set; }

    /// <summary>The latencies of completed (not cancelled) requests.</summary>
    public LatencyHistogram Latency { get; } = new();

    /// <summary>When the newest request in the bucket ended.</summary>
    public DateTimeOffset LastActivity { get; private set; }

    /// <summary>Requests that count in windows: successes, fallbacks, errors and timeouts.</summary>
    public long Completed => Successes + Fallbacks + Errors + Timeouts;

    /// <summary>Every request in the bucket, cancelled ones included.</summary>
    public long Requests => Completed + Cancelled;

    /// <summary>Counts one request by the same rules <see cref="WindowStats"/> applies to operation records.</summary>
    public void Record(OperationStatus status, bool fallbackUsed, int statusCode, double durationMs, DateTimeOffset endedAt) =>
        Count(status, fallbackUsed, statusCode, durationMs, endedAt);

    private void Count(OperationStatus status, bool fallbackUsed, int statusCode, double? durationMs, DateTimeOffset endedAt)
    {
        switch (status)
        {
            case OperationStatus.Started:
                return;
            case OperationStatus.Cancelled:
                Cancelled++;
                break;
            case OperationStatus.Error:
                Errors++;
                break;
            case OperationStatus.Timeout:
                Timeouts++;
                break;
            case OperationStatus.Fallback:
                Fallbacks++;
                break;
            default:
                if (fallbackUsed)
                {
                    Fallbacks++;
                }
                else
                {
                    Successes++;
                }

                break;
        }

        switch (statusCode / 100)
        {
            case 1: Status1xx++; break;
            case 2: Status2xx++; break;
            case 3: Status3xx++; break;
            case 4: Status4xx++; break;
            case 5: Status5xx++; break;
        }

        if (status != OperationStatus.Cancelled && durationMs is { } ms)
        {
            LatencySumMs += ms;
            Latency.Record(ms);
        }

        if (endedAt > LastActivity)
        {
            LastActivity = endedAt;
        }
    }

    /// <summary>
    /// Counts one operation record (a probe) as <see cref="WindowStats"/> counts it: started ones not at all, a latency
    /// only when the record has a duration.
    /// </summary>
    public void Record(OperationRecord record)
    {
        if (record.Status == OperationStatus.Started)
        {
            return;
        }

        Count(record.Status, record.FallbackUsed, record.StatusCode ?? 0, record.DurationMs, record.EndedAt ?? record.StartedAt);
    }

    /// <summary>Adds another aggregate's counts (of any wrapper, slot or bucket) to this one.</summary>
    public void Add(TrafficAggregate other)
    {
        Successes += other.Successes;
        Fallbacks += other.Fallbacks;
        Errors += other.Errors;
        Timeouts += other.Timeouts;
        Cancelled += other.Cancelled;
        Status1xx += other.Status1xx;
        Status2xx += other.Status2xx;
        Status3xx += other.Status3xx;
        Status4xx += other.Status4xx;
        Status5xx += other.Status5xx;
        LatencySumMs += other.LatencySumMs;
        Latency.Add(other.Latency);
        if (other.LastActivity > LastActivity)
        {
            LastActivity = other.LastActivity;
        }
    }

    /// <summary>Adds counts read from the store (the histogram is added through <see cref="Latency"/>).</summary>
    internal void AddStored(long successes, long fallbacks, long errors, long timeouts, long cancelled,
        long s1, long s2, long s3, long s4, long s5, double latencySumMs, DateTimeOffset lastActivity)
    {
        Successes += successes;
        Fallbacks += fallbacks;
        Errors += errors;
        Timeouts += timeouts;
        Cancelled += cancelled;
        Status1xx += s1;
        Status2xx += s2;
        Status3xx += s3;
        Status4xx += s4;
        Status5xx += s5;
        LatencySumMs += latencySumMs;
        if (lastActivity > LastActivity)
        {
            LastActivity = lastActivity;
        }
    }
}
