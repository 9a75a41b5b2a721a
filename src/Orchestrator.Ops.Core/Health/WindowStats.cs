namespace Orchestrator.Ops.Core.Health;

/// <summary>
/// Counts, rates (percent) and latency percentiles of the operations in a window.
/// SuccessRate counts answered requests (fallbacks included); SuccessRate + ErrorRate = 100.
/// </summary>
public sealed record WindowStats
{
    public int Total { get; init; }
    public int Successes { get; init; }
    public int Fallbacks { get; init; }
    public int Errors { get; init; }
    public double? SuccessRate { get; init; }
    public double? ErrorRate { get; init; }
    public double? FallbackRate { get; init; }
    public double? AverageMs { get; init; }
    public double? P50Ms { get; init; }
    public double? P95Ms { get; init; }
    public double? P99Ms { get; init; }
    public DateTimeOffset? LastActivity { get; init; }

    /// <summary>Probes that failed in a row at the end of the window (0 when the newest probe succeeded).</summary>
    public int TrailingProbeFailures { get; init; }

    /// <summary>The newest probe in the window, if any.</summary>
    public OperationRecord? LastProbe { get; init; }

    /// <summary>Computes the statistics of completed operations; started and cancelled ones are not counted.</summary>
    public static WindowStats From(IEnumerable<OperationRecord> records) => From(records, []);

    /// <summary>
    /// Computes the statistics of completed operation records (probes) and gateway traffic aggregates together;
    /// started and cancelled operations are not counted. Counts, rates and the average are exact. Percentiles are the
    /// exact nearest rank when there is no traffic; with traffic, the records' latencies join the traffic's
    /// <see cref="LatencyHistogram"/> and a percentile is the midpoint of the bucket holding that rank, within
    /// <see cref="LatencyHistogram.MaxRelativeError"/> (3.125 %) of the exact nearest-rank value.
    /// </summary>
    public static WindowStats From(IEnumerable<OperationRecord> records, IEnumerable<TrafficAggregate> traffic)
    {
        var done = records
            .Where(r => r.Status is not (OperationStatus.Started or OperationStatus.Cancelled))
            .OrderBy(r => r.StartedAt)
            .ThenBy(r => r.Id)
            .ToList();
        var probes = done.Where(r => r.Source == OperationSource.Probe).ToList();
        var trailing = 0;
        for (var i = probes.Count - 1; i >= 0 && probes[i].IsFailure; i--)
        {
            trailing++;
        }

        long trafficSuccesses = 0, trafficFallbacks = 0, trafficErrors = 0, trafficLatencies = 0;
        double trafficLatencySum = 0;
        DateTimeOffset? trafficLast = null;
        LatencyHistogram? histogram = null;
        foreach (var a in traffic)
        {
            if (a.Completed == 0)
            {
                continue;
            }

            trafficSuccesses += a.Successes;
            trafficFallbacks += a.Fallbacks;
            trafficErrors += a.Errors + a.Timeouts;
            trafficLatencies += a.Latency.Count;
            trafficLatencySum += a.LatencySumMs;
            (histogram ??= new LatencyHistogram()).Add(a.Latency);
            if (trafficLast is null || a.LastActivity > trafficLast)
            {
                trafficLast = a.LastActivity;
            }
        }

        var total = done.Count + trafficSuccesses + trafficFallbacks + trafficErrors;
        if (total == 0)
        {
            return new WindowStats { LastProbe = probes.LastOrDefault() };
        }

        var successes = done.Count(r => r.Status == OperationStatus.Success && !r.FallbackUsed) + trafficSuccesses;
        var fallbacks = done.Count(r => r.Status == OperationStatus.Fallback || (r.Status == OperationStatus.Success && r.FallbackUsed)) + trafficFallbacks;
        var errors = done.Count(r => r.IsFailure) + trafficErrors;
        var latencies = done.Where(r => r.DurationMs is not null).Select(r => r.DurationMs!.Value).ToArray();
        Array.Sort(latencies);
        var latencyCount = latencies.Length + trafficLatencies;
        double? average = latencyCount == 0 ? null : Math.Round((latencies.Sum() + trafficLatencySum) / latencyCount, 2);
        double? At(double p) => histogram is null ? Percentile.NearestRank(latencies, p) : Percentile.NearestRank(histogram, p);
        if (histogram is not null)
        {
            foreach (var l in latencies)
            {
                histogram.Record(l);
            }
        }

        var recordsLast = done.Count == 0 ? (DateTimeOffset?)null : done.Max(r => r.EndedAt ?? r.StartedAt);
        double Rate(long n) => Math.Round(100.0 * n / total, 2);
        return new WindowStats
        {
            Total = Clamp(total),
            Successes = Clamp(successes),
            Fallbacks = Clamp(fallbacks),
            Errors = Clamp(errors),
            SuccessRate = Rate(successes + fallbacks),
            ErrorRate = Rate(errors),
            FallbackRate = Rate(fallbacks),
            AverageMs = average,
            P50Ms = At(50),
            P95Ms = At(95),
            P99Ms = At(99),
            LastActivity = recordsLast is null ? trafficLast : trafficLast is null ? recordsLast : recordsLast > trafficLast ? recordsLast : trafficLast,
            TrailingProbeFailures = trailing,
            LastProbe = probes.LastOrDefault(),
        };
    }

    private static int Clamp(long n) => (int)Math.Min(n, int.MaxValue);
}
