namespace Orchestrator.Ops.Core.Health;

/// <summary>Percentiles by the nearest-rank method: the smallest value with at least p % of values at or below it.</summary>
public static class Percentile
{
    /// <param name="sorted">Values in ascending order.</param>
    /// <param name="p">The percentile, 0 &lt; p ≤ 100.</param>
    public static double? NearestRank(IReadOnlyList<double> sorted, double p)
    {
        if (sorted.Count == 0)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100);
        var rank = (int)Math.Ceiling(p / 100.0 * sorted.Count);
        return sorted[Math.Clamp(rank, 1, sorted.Count) - 1];
    }

    /// <summary>
    /// The nearest rank over a histogram: the midpoint of the bucket holding the value of that rank, so within
    /// <see cref="LatencyHistogram.MaxRelativeError"/> of the exact nearest-rank value (for values of 1 µs and more).
    /// </summary>
    /// <param name="histogram">The values.</param>
    /// <param name="p">The percentile, 0 &lt; p ≤ 100.</param>
    public static double? NearestRank(LatencyHistogram histogram, double p)
    {
        ArgumentNullException.ThrowIfNull(histogram);
        if (histogram.Count == 0)
        {
            return null;
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(p);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(p, 100);
        var rank = Math.Clamp((long)Math.Ceiling(p / 100.0 * histogram.Count), 1, histogram.Count);
        long seen = 0;
        for (var i = 0; i < LatencyHistogram.BucketCount; i++)
        {
            seen += histogram.CountAt(i);
            if (seen >= rank)
            {
                return LatencyHistogram.ValueOf(i);
            }
        }

        throw new InvalidOperationException("The histogram's buckets hold fewer values than its count.");
    }
}
