namespace Orchestrator.Ops.Core.Configuration;

/// <summary>
/// How long the store keeps each resolution of health history (store.retention). The gateway's per-second traffic is
/// kept for days and its per-minute and per-hour rollups for a month and a year, as Prometheus keeps raw samples and a
/// downsampler keeps the coarser blocks; probe records are kept for days, their attempts for less, and the probes'
/// hourly rollup as long as the traffic's. The monitoring service prunes once an hour, in small batches.
/// </summary>
public sealed record HistoryRetention
{
    /// <summary>The per-second traffic aggregates (the health windows and the post-switch analysis read these).</summary>
    public TimeSpan Seconds { get; init; } = TimeSpan.FromDays(2);

    /// <summary>The per-minute traffic rollups (day and week views).</summary>
    public TimeSpan Minutes { get; init; } = TimeSpan.FromDays(31);

    /// <summary>The per-hour rollups of traffic and of probes (month and year views).</summary>
    public TimeSpan Hours { get; init; } = TimeSpan.FromDays(400);

    /// <summary>Probe records, one per probe.</summary>
    public TimeSpan Probes { get; init; } = TimeSpan.FromDays(7);

    /// <summary>The attempts of each probe (the retries a probe made), the most detailed and least read.</summary>
    public TimeSpan ProbeAttempts { get; init; } = TimeSpan.FromDays(2);

    /// <summary>
    /// The older shorthand store.retentionDays: probe records and minutes are kept that long; seconds and probe
    /// attempts no longer than that, and hours no shorter.
    /// </summary>
    public static HistoryRetention FromDays(double days)
    {
        var d = new HistoryRetention();
        var span = TimeSpan.FromDays(days);
        return new HistoryRetention
        {
            Seconds = Min(d.Seconds, span),
            Minutes = span,
            Hours = Max(d.Hours, span),
            Probes = span,
            ProbeAttempts = Min(d.ProbeAttempts, span),
        };
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static TimeSpan Max(TimeSpan a, TimeSpan b) => a > b ? a : b;
}
