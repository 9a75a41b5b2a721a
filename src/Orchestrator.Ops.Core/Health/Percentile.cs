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
}
