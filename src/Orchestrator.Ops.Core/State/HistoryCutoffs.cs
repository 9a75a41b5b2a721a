using Orchestrator.Ops.Core.Configuration;

namespace Orchestrator.Ops.Core.State;

/// <summary>
/// Before which instant each resolution of health history is removed. Cutoffs are whole hours (UTC), so what a table
/// holds whole starts on an hour and a coarser bucket never overlaps a finer table's part.
/// </summary>
public sealed record HistoryCutoffs(DateTimeOffset Seconds, DateTimeOffset Minutes, DateTimeOffset Hours, DateTimeOffset Probes, DateTimeOffset ProbeAttempts)
{
    /// <summary>The cutoffs of <paramref name="retention"/> at <paramref name="now"/>, each rounded down to its hour.</summary>
    public static HistoryCutoffs At(DateTimeOffset now, HistoryRetention retention)
    {
        return new HistoryCutoffs(TimeBuckets.HourOf(now - retention.Seconds), TimeBuckets.HourOf(now - retention.Minutes),
            TimeBuckets.HourOf(now - retention.Hours), TimeBuckets.HourOf(now - retention.Probes), TimeBuckets.HourOf(now - retention.ProbeAttempts));
    }

    /// <summary>Every resolution cut at the same instant (rounded down to its hour).</summary>
    public static HistoryCutoffs All(DateTimeOffset before) =>
        At(before, new HistoryRetention { Seconds = TimeSpan.Zero, Minutes = TimeSpan.Zero, Hours = TimeSpan.Zero, Probes = TimeSpan.Zero, ProbeAttempts = TimeSpan.Zero });
}

/// <summary>How many rows a prune removed from each history table.</summary>
public sealed record HistoryPruneResult
{
    public long Operations { get; init; }
    public long ProbeAttempts { get; init; }
    public long Seconds { get; init; }
    public long Minutes { get; init; }
    public long Hours { get; init; }
    public long ProbeHours { get; init; }

    /// <summary>Wrappers and slots with no history left, removed from the series list.</summary>
    public long Series { get; init; }

    /// <summary>Transactions the prune took (each held the store for one batch only).</summary>
    public int Batches { get; init; }

    public long Total => Operations + ProbeAttempts + Seconds + Minutes + Hours + ProbeHours;
}

/// <summary>Where a rollup build (<see cref="IHealthStore.BuildRollupsAsync"/>) stands.</summary>
/// <param name="Family">"traffic" (minutes and hours from the seconds) or "probes" (hours from the probe records).</param>
/// <param name="HoursDone">Hours of history rolled up so far by this build.</param>
/// <param name="HoursTotal">Hours this build had to roll up when it started.</param>
/// <param name="BuiltFrom">From which hour on the family's rollups are whole; null when they are whole throughout.</param>
public sealed record RollupBuildProgress(string Family, long HoursDone, long HoursTotal, DateTimeOffset? BuiltFrom)
{
    public bool Complete => BuiltFrom is null;

    public int Percent => HoursTotal == 0 ? 100 : (int)Math.Min(100, 100 * HoursDone / HoursTotal);
}
