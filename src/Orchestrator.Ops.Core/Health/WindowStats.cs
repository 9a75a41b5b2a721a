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
    public static WindowStats From(IEnumerable<OperationRecord> records)
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

        if (done.Count == 0)
        {
            return new WindowStats { LastProbe = probes.LastOrDefault() };
        }

        var successes = done.Count(r => r.Status == OperationStatus.Success && !r.FallbackUsed);
        var fallbacks = done.Count(r => r.Status == OperationStatus.Fallback || (r.Status == OperationStatus.Success && r.FallbackUsed));
        var errors = done.Count(r => r.IsFailure);
        var latencies = done.Where(r => r.DurationMs is not null).Select(r => r.DurationMs!.Value).ToArray();
        Array.Sort(latencies);
        double Rate(int n) => Math.Round(100.0 * n / done.Count, 2);
        return new WindowStats
        {
            Total = done.Count,
            Successes = successes,
            Fallbacks = fallbacks,
            Errors = errors,
            SuccessRate = Rate(successes + fallbacks),
            ErrorRate = Rate(errors),
            FallbackRate = Rate(fallbacks),
            AverageMs = latencies.Length == 0 ? null : Math.Round(latencies.Average(), 2),
            P50Ms = Percentile.NearestRank(latencies, 50),
            P95Ms = Percentile.NearestRank(latencies, 95),
            P99Ms = Percentile.NearestRank(latencies, 99),
            LastActivity = done.Max(r => r.EndedAt ?? r.StartedAt),
            TrailingProbeFailures = trailing,
            LastProbe = probes.LastOrDefault(),
        };
    }
}
