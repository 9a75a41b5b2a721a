using System.Globalization;

namespace Orchestrator.Ops.Core.Runbooks;

/// <summary>Numbers and times in details and notes, the same on every machine (invariant culture, UTC).</summary>
internal static class Fmt
{
    public static string N(double? value, int decimals = 1) =>
        value is { } v ? Math.Round(v, decimals, MidpointRounding.AwayFromZero).ToString("0." + new string('#', Math.Max(decimals, 1)), CultureInfo.InvariantCulture) : "-";

    public static string N(long value) => value.ToString("#,0", CultureInfo.InvariantCulture);

    public static string Ms(double? value) => value is null ? "-" : N(value, 1) + " ms";

    public static string Pct(double? value) => value is null ? "-" : N(value, 2) + " %";

    public static string Time(DateTimeOffset? at) =>
        at is { } t ? t.ToUniversalTime().ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    /// <summary>A span as a person says it: 45 s, 12 min, 5.2 h, 3.1 days.</summary>
    public static string Span(TimeSpan span)
    {
        var s = span.Duration();
        return s.TotalSeconds < 10 ? $"{N(s.TotalSeconds, 1)} s"
            : s.TotalSeconds < 90 ? $"{N(s.TotalSeconds, 0)} s"
            : s.TotalMinutes < 90 ? $"{N(s.TotalMinutes, 0)} min"
            : s.TotalHours < 48 ? $"{N(s.TotalHours, 1)} h"
            : $"{N(s.TotalDays, 1)} days";
    }

    public static string Count(int n, string one, string? many = null) =>
        n.ToString(CultureInfo.InvariantCulture) + " " + (n == 1 ? one : many ?? one + "s");

    public static double Round(double value, int decimals = 1) => Math.Round(value, decimals, MidpointRounding.AwayFromZero);

    public static double? Round(double? value, int decimals = 1) => value is { } v ? Math.Round(v, decimals, MidpointRounding.AwayFromZero) : null;
}
