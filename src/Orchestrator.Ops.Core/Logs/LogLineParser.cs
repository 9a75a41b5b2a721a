using System.Buffers.Text;
using System.Runtime.CompilerServices;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Finds timestamp, level, category and message of a line on its bytes. Knows our text template
/// (<c>2026-11-27 22:40:01.123Z [ERROR] monitor ConnectionRefused ...</c>, checked at fixed offsets first), plain lines
/// with a timestamp and/or a level word among their first tokens (ERROR, WARN, INFO, [Error], [ERR], level=error, ...)
/// and recognises a JSON object line (compact JSON, parsed by <see cref="ClefEvent"/>).
/// </summary>
internal static class LogLineParser
{
    /// <summary>How far into a line (after its timestamp) a level word is looked for.</summary>
    private const int LevelSearchBytes = 128;

    private const int LevelSearchTokens = 10;

    private static ReadOnlySpan<byte> Bom => [0xEF, 0xBB, 0xBF];

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void ParseHead(ReadOnlySpan<byte> line, out LineHead head)
    {
        head = default;
        head.TimestampStart = -1;
        head.CategoryStart = -1;
        var p = 0;
        if (line.StartsWith(Bom))
        {
            p = 3;
        }

        while (p < line.Length && (line[p] == (byte)' ' || line[p] == (byte)'\t'))
        {
            p++;
        }

        if (p < line.Length && line[p] == (byte)'{')
        {
            head.Json = true;
            head.MessageStart = p;
            return;
        }

        if (TryOurTemplate(line, p, ref head))
        {
            return;
        }

        ParseGeneric(line, p, ref head);
    }

    /// <summary>The line's timestamp as UTC ticks.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryGetTicks(ReadOnlySpan<byte> line, in LineHead head, out long ticks)
    {
        ticks = 0;
        return head.TimestampStart >= 0 && TryParseTimestamp(line[head.TimestampStart..], out _, out ticks);
    }

    /// <summary>
    /// <c>yyyy-MM-dd[T ]HH:mm:ss[.fffffff][ ][Z|±hh:mm|±hhmm]</c>; without an offset the time is taken as UTC.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryParseTimestamp(ReadOnlySpan<byte> s, out int length, out long utcTicks)
    {
        length = 0;
        utcTicks = 0;
        if (s.Length < 19 || s[4] != (byte)'-' || s[7] != (byte)'-' || (s[10] != (byte)' ' && s[10] != (byte)'T')
            || s[13] != (byte)':' || s[16] != (byte)':')
        {
            return false;
        }

        if (!Digits(s, 0, 4, out var year) || !Digits(s, 5, 2, out var month) || !Digits(s, 8, 2, out var day)
            || !Digits(s, 11, 2, out var hour) || !Digits(s, 14, 2, out var minute) || !Digits(s, 17, 2, out var second))
        {
            return false;
        }

        if (year < 1 || month is < 1 or > 12 || day < 1 || day > DateTime.DaysInMonth(year, month) || hour > 23 || minute > 59 || second > 59)
        {
            return false;
        }

        var p = 19;
        long fraction = 0;
        if (p < s.Length && (s[p] == (byte)'.' || s[p] == (byte)','))
        {
            var start = ++p;
            var scale = 1_000_000L;
            while (p < s.Length && (uint)(s[p] - '0') <= 9)
            {
                if (p - start < 7)
                {
                    fraction += (s[p] - '0') * scale;
                    scale /= 10;
                }

                p++;
            }

            if (p == start)
            {
                return false;
            }
        }

        long offsetTicks = 0;
        if (p < s.Length && s[p] == (byte)'Z')
        {
            p++;
        }
        else
        {
            var q = p < s.Length && s[p] == (byte)' ' ? p + 1 : p;
            if (q < s.Length && (s[q] == (byte)'+' || s[q] == (byte)'-') && Digits(s, q + 1, 2, out var oh))
            {
                int om;
                var end = -1;
                if (q + 6 <= s.Length && s[q + 3] == (byte)':' && Digits(s, q + 4, 2, out om))
                {
                    end = q + 6;
                }
                else if (q + 5 <= s.Length && Digits(s, q + 3, 2, out om) && (q + 5 == s.Length || (uint)(s[q + 5] - '0') > 9))
                {
                    end = q + 5;
                }
                else
                {
                    om = 0;
                }

                if (end > 0 && oh <= 14 && om <= 59)
                {
                    offsetTicks = ((oh * 60L) + om) * TimeSpan.TicksPerMinute * (s[q] == (byte)'-' ? -1 : 1);
                    p = end;
                }
            }
        }

        var ticks = new DateTime(year, month, day, hour, minute, second, DateTimeKind.Unspecified).Ticks + fraction - offsetTicks;
        if (ticks < DateTime.MinValue.Ticks || ticks > DateTime.MaxValue.Ticks)
        {
            return false;
        }

        length = p;
        utcTicks = ticks;
        return true;
    }

    /// <summary>The level a word names: upper-case words always, any case when <paramref name="anyCase"/> (bracketed, level=).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static LogLevel LevelOf(ReadOnlySpan<byte> word, bool anyCase)
    {
        if (word.Length is < 3 or > 11)
        {
            return LogLevel.Unknown;
        }

        if (!anyCase)
        {
            return UpperLevelOf(word);
        }

        Span<byte> up = stackalloc byte[11];
        for (var i = 0; i < word.Length; i++)
        {
            var b = word[i];
            up[i] = b is >= (byte)'a' and <= (byte)'z' ? (byte)(b - 32) : b;
        }

        return UpperLevelOf(up[..word.Length]);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static LogLevel UpperLevelOf(ReadOnlySpan<byte> word)
    {
        return word.Length switch
        {
            3 => word.SequenceEqual("INF"u8) ? LogLevel.Info
                : word.SequenceEqual("ERR"u8) ? LogLevel.Error
                : word.SequenceEqual("WRN"u8) ? LogLevel.Warn
                : word.SequenceEqual("DBG"u8) ? LogLevel.Debug
                : word.SequenceEqual("FTL"u8) || word.SequenceEqual("CRT"u8) ? LogLevel.Fatal
                : word.SequenceEqual("VRB"u8) || word.SequenceEqual("TRC"u8) ? LogLevel.Trace
                : LogLevel.Unknown,
            4 => word.SequenceEqual("INFO"u8) ? LogLevel.Info
                : word.SequenceEqual("WARN"u8) ? LogLevel.Warn
                : word.SequenceEqual("CRIT"u8) ? LogLevel.Fatal
                : LogLevel.Unknown,
            5 => word.SequenceEqual("ERROR"u8) ? LogLevel.Error
                : word.SequenceEqual("DEBUG"u8) ? LogLevel.Debug
                : word.SequenceEqual("FATAL"u8) ? LogLevel.Fatal
                : word.SequenceEqual("TRACE"u8) ? LogLevel.Trace
                : LogLevel.Unknown,
            7 => word.SequenceEqual("WARNING"u8) ? LogLevel.Warn
                : word.SequenceEqual("VERBOSE"u8) ? LogLevel.Trace
                : LogLevel.Unknown,
            8 => word.SequenceEqual("CRITICAL"u8) ? LogLevel.Fatal : LogLevel.Unknown,
            11 => word.SequenceEqual("INFORMATION"u8) ? LogLevel.Info : LogLevel.Unknown,
            _ => LogLevel.Unknown,
        };
    }

    /// <summary>Our template, at fixed offsets: <c>yyyy-MM-dd HH:mm:ss.fffZ [LEVEL] category message</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryOurTemplate(ReadOnlySpan<byte> line, int p, ref LineHead head)
    {
        var rest = line[p..];
        if (rest.Length < 29 || rest[23] != (byte)'Z' || rest[24] != (byte)' ' || rest[25] != (byte)'[' || rest[4] != (byte)'-' || rest[10] != (byte)' ' || rest[19] != (byte)'.')
        {
            return false;
        }

        var word = rest.Slice(26, Math.Min(rest.Length - 26, 9));
        var close = word.IndexOf((byte)']');
        if (close < 3)
        {
            return false;
        }

        var level = LevelOf(word[..close], anyCase: false);
        if (level == LogLevel.Unknown)
        {
            return false;
        }

        head.TimestampStart = p;
        head.TimestampLength = 24;
        head.Level = level;
        var m = p + 26 + close + 1;
        if (m < line.Length && line[m] == (byte)' ')
        {
            m++;
        }

        var category = CategoryLength(line[m..]);
        if (category > 0)
        {
            head.CategoryStart = m;
            head.CategoryLength = category;
            m = Math.Min(line.Length, m + category + 1);
        }

        head.MessageStart = m;
        return true;
    }

    /// <summary>A lower-case word (ops, monitor, access, ...) followed by a space or the end of the line.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int CategoryLength(ReadOnlySpan<byte> s)
    {
        if (s.IsEmpty || s[0] is < (byte)'a' or > (byte)'z')
        {
            return 0;
        }

        var n = 1;
        while (n < s.Length && n <= 32 && (s[n] is >= (byte)'a' and <= (byte)'z' or >= (byte)'0' and <= (byte)'9' or (byte)'-' or (byte)'_' or (byte)'.'))
        {
            n++;
        }

        return n < s.Length && s[n] != (byte)' ' ? 0 : n;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void ParseGeneric(ReadOnlySpan<byte> line, int p, ref LineHead head)
    {
        var q = p;
        var bracket = q < line.Length && line[q] == (byte)'[';
        var ts = bracket ? q + 1 : q;
        if (ts < line.Length && TryParseTimestamp(line[ts..], out var length, out _))
        {
            head.TimestampStart = ts;
            head.TimestampLength = length;
            q = ts + length;
            if (bracket && q < line.Length && line[q] == (byte)']')
            {
                q++;
            }
        }

        var afterTimestamp = q;
        var limit = Math.Min(line.Length, q + LevelSearchBytes);
        var tokens = 0;
        while (q < limit && tokens < LevelSearchTokens)
        {
            while (q < limit && IsSeparator(line[q]))
            {
                q++;
            }

            if (q >= limit)
            {
                break;
            }

            var start = q;
            while (q < line.Length && !IsSeparator(line[q]) && line[q] != (byte)'=')
            {
                q++;
            }

            tokens++;
            var word = line[start..q];
            LogLevel level;
            int end;
            if (q < line.Length && line[q] == (byte)'=')
            {
                var valueStart = q + 1;
                var valueEnd = valueStart;
                while (valueEnd < line.Length && !IsSeparator(line[valueEnd]))
                {
                    valueEnd++;
                }

                q = valueEnd;
                if (!IsLevelKey(word))
                {
                    continue;
                }

                var value = line[valueStart..valueEnd];
                if (value.Length > 1 && value[0] == (byte)'"' && value[^1] == (byte)'"')
                {
                    value = value[1..^1];
                }

                level = LevelOf(value, anyCase: true);
                end = valueEnd;
            }
            else
            {
                var bracketed = start > 0 && line[start - 1] == (byte)'[' && q < line.Length && line[q] == (byte)']';
                level = LevelOf(word, anyCase: bracketed);
                end = q;
            }

            if (level != LogLevel.Unknown)
            {
                head.Level = level;
                while (end < line.Length && line[end] is (byte)']' or (byte)':' or (byte)' ' or (byte)'|' or (byte)'\t' or (byte)'-')
                {
                    end++;
                }

                head.MessageStart = end;
                return;
            }
        }

        while (afterTimestamp < line.Length && line[afterTimestamp] is (byte)' ' or (byte)'\t')
        {
            afterTimestamp++;
        }

        head.MessageStart = afterTimestamp;
    }

    private static bool IsLevelKey(ReadOnlySpan<byte> word) =>
        word.SequenceEqual("level"u8) || word.SequenceEqual("lvl"u8) || word.SequenceEqual("severity"u8) || word.SequenceEqual("loglevel"u8);

    private static bool IsSeparator(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'[' or (byte)']' or (byte)'(' or (byte)')' or (byte)':' or (byte)'|' or (byte)',';

    private static bool Digits(ReadOnlySpan<byte> s, int at, int count, out int value)
    {
        value = 0;
        if (at + count > s.Length)
        {
            return false;
        }

        for (var i = at; i < at + count; i++)
        {
            var d = (uint)(s[i] - '0');
            if (d > 9)
            {
                return false;
            }

            value = (value * 10) + (int)d;
        }

        return true;
    }

    /// <summary>A number at the start of <paramref name="s"/> (invariant, '.' decimal separator).</summary>
    public static bool TryParseNumber(ReadOnlySpan<byte> s, out double value, out int consumed) =>
        Utf8Parser.TryParse(s, out value, out consumed) && double.IsFinite(value);
}
