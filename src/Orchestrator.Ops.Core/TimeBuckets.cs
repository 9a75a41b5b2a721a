namespace Orchestrator.Ops.Core;

/// <summary>Whole units of time in UTC, as the stores, the views and the runbook checks bucket them.</summary>
internal static class TimeBuckets
{
    /// <summary>The start (UTC) of the hour <paramref name="at"/> falls in.</summary>
    public static DateTimeOffset HourOf(DateTimeOffset at)
    {
        var utc = at.UtcDateTime;
        return new DateTimeOffset(utc.Year, utc.Month, utc.Day, utc.Hour, 0, 0, TimeSpan.Zero);
    }
}
