using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// What our messages say, read on their bytes: the error type an error starts with, the wrapper a line is about,
/// a response time, an access line's fields, the client of a failed authentication or of a refused request.
/// </summary>
internal static class LogFields
{
    /// <summary>
    /// The error type: the message's first word when it is PascalCase (an upper-case letter, then letters, digits,
    /// '_' or '.', with at least one lower-case letter; a trailing ':' is dropped). Empty when it is not.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> ErrorType(ReadOnlySpan<byte> message)
    {
        if (message.IsEmpty || message[0] is < (byte)'A' or > (byte)'Z')
        {
            return default;
        }

        var n = 1;
        var lower = false;
        while (n < message.Length && n < 128)
        {
            var b = message[n];
            if (b is >= (byte)'a' and <= (byte)'z')
            {
                lower = true;
            }
            else if (b is not (>= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'.'))
            {
                break;
            }

            n++;
        }

        var end = n;
        if (n < message.Length && message[n] == (byte)':')
        {
            n++;
        }

        if (!lower || (n < message.Length && message[n] != (byte)' ') || message[end - 1] == (byte)'.')
        {
            return default;
        }

        return message[..end];
    }

    /// <summary>
    /// The wrapper a message is about: a <c>wrapper=</c> value, else the first <c>name/slot</c> pair whose slot is a
    /// configured slot (<c>probe routellm/blue</c>, <c>AlertFiring Critical rule routellm/blue: ...</c>). Empty when none.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> Wrapper(ReadOnlySpan<byte> message, byte[][] slots)
    {
        var at = message.IndexOf("wrapper="u8);
        while (at >= 0)
        {
            if (at == 0 || message[at - 1] == (byte)' ')
            {
                var value = Token(message[(at + 8)..]);
                if (!value.IsEmpty && !(value.Length == 1 && value[0] == (byte)'-'))
                {
                    return value;
                }

                break;
            }

            var next = message[(at + 8)..].IndexOf("wrapper="u8);
            at = next < 0 ? -1 : at + 8 + next;
        }

        var from = 0;
        for (var tries = 0; tries < 16; tries++)
        {
            var slash = message[from..].IndexOf((byte)'/');
            if (slash < 0)
            {
                return default;
            }

            slash += from;
            from = slash + 1;
            var after = message[(slash + 1)..];
            var slotMatch = false;
            foreach (var slot in slots)
            {
                if (after.StartsWith(slot) && (after.Length == slot.Length || !IsNameByte(after[slot.Length])))
                {
                    slotMatch = true;
                    break;
                }
            }

            if (!slotMatch)
            {
                continue;
            }

            var start = slash;
            while (start > 0 && IsNameByte(message[start - 1]))
            {
                start--;
            }

            if (start < slash && (start == 0 || message[start - 1] is (byte)' ' or (byte)'(' or (byte)'\'' or (byte)'"' or (byte)'['))
            {
                return message[start..slash];
            }
        }

        return default;
    }

    /// <summary>The number after <c>response_time</c> (<c>response_time: 812.3</c>, <c>response_time=812.3</c>); false for "-".</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryResponseTime(ReadOnlySpan<byte> message, out double milliseconds)
    {
        milliseconds = 0;
        var at = message.IndexOf("response_time"u8);
        if (at < 0)
        {
            return false;
        }

        var p = at + 13;
        while (p < message.Length && message[p] is (byte)':' or (byte)'=' or (byte)' ')
        {
            p++;
        }

        return p < message.Length && LogLineParser.TryParseNumber(message[p..], out milliseconds, out _) && milliseconds >= 0;
    }

    /// <summary>A probe line (<c>probe wrapper/slot ...</c>): the wrapper.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ReadOnlySpan<byte> ProbeWrapper(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf("probe "u8);
        if (at < 0 || (at > 0 && message[at - 1] != (byte)' '))
        {
            return default;
        }

        var pair = Token(message[(at + 6)..]);
        var slash = pair.IndexOf((byte)'/');
        return slash > 0 ? pair[..slash] : default;
    }

    /// <summary>An access line's message: <c>127.0.0.1 "GET /path" 200 1.234 wrapper=w slot=s fallback=false</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static bool TryAccess(ReadOnlySpan<byte> message, out AccessFields access)
    {
        access = default;
        var client = Token(message);
        var p = client.Length + 1;
        if (client.IsEmpty || p >= message.Length || message[p] != (byte)'"')
        {
            return false;
        }

        var close = message[(p + 1)..].IndexOf((byte)'"');
        if (close < 0)
        {
            return false;
        }

        var request = message.Slice(p + 1, close);
        p += close + 2;
        if (p >= message.Length || message[p] != (byte)' ')
        {
            return false;
        }

        p++;
        var status = Token(message[p..]);
        if (status.Length != 3 || !int.TryParse(Encoding.ASCII.GetString(status), NumberStyles.None, CultureInfo.InvariantCulture, out var code))
        {
            return false;
        }

        p += 4;
        if (p > message.Length || !LogLineParser.TryParseNumber(message[Math.Min(p, message.Length)..], out var duration, out var used))
        {
            return false;
        }

        var space = request.IndexOf((byte)' ');
        access = new AccessFields
        {
            Client = client,
            Method = space < 0 ? request : request[..space],
            Path = space < 0 ? default : request[(space + 1)..],
            Status = code,
            DurationMs = duration,
            Wrapper = Wrapper(message[(p + used)..], []),
        };
        return true;
    }

    /// <summary>The client of <c>Failed authentication from {Client} for ...</c>.</summary>
    public static ReadOnlySpan<byte> FailedAuthClient(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf("Failed authentication from "u8);
        return at < 0 ? default : Token(message[(at + 27)..]);
    }

    /// <summary>The client of <c>Refused {Method} {Path} from {Client}: too many failed authentications; ...</c>.</summary>
    public static ReadOnlySpan<byte> RateLimitedClient(ReadOnlySpan<byte> message)
    {
        var at = message.IndexOf("too many failed authentications"u8);
        if (at < 0)
        {
            return default;
        }

        var head = message[..at];
        var from = head.LastIndexOf(" from "u8);
        if (from < 0)
        {
            return default;
        }

        var client = head[(from + 6)..];
        var colon = client.LastIndexOf((byte)':');
        if (colon > 0 && colon == client.Length - 2)
        {
            client = client[..colon];
        }

        return client.TrimEnd(": "u8);
    }

    /// <summary>The bytes up to the next space.</summary>
    public static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> s)
    {
        var space = s.IndexOf((byte)' ');
        return space < 0 ? s : s[..space];
    }

    /// <summary>key=value pairs (and <c>key_name: number</c> such as response_time) of a message, values typed.</summary>
    public static void AddPairs(string message, Dictionary<string, object?> into)
    {
        var span = message.AsSpan();
        var i = 0;
        while (i < span.Length)
        {
            while (i < span.Length && span[i] == ' ')
            {
                i++;
            }

            var start = i;
            while (i < span.Length && span[i] != ' ' && span[i] != '=')
            {
                i++;
            }

            if (i < span.Length && span[i] == '=' && i > start && IsKey(span[start..i]))
            {
                var key = span[start..i].ToString();
                var v = ++i;
                if (i < span.Length && span[i] == '"')
                {
                    var close = span[(i + 1)..].IndexOf('"');
                    var end = close < 0 ? span.Length : i + 1 + close;
                    into.TryAdd(key, span[(i + 1)..end].ToString());
                    i = Math.Min(span.Length, end + 1);
                    continue;
                }

                while (i < span.Length && span[i] != ' ')
                {
                    i++;
                }

                into.TryAdd(key, Typed(span[v..i]));
                continue;
            }

            while (i < span.Length && span[i] != ' ')
            {
                i++;
            }

            var word = span[start..i];
            if (word.Length > 2 && word[^1] == ':' && word.Contains('_') && IsKey(word[..^1]))
            {
                var v = i + 1;
                var end = v;
                while (end < span.Length && span[end] != ' ')
                {
                    end++;
                }

                if (v < span.Length && Typed(span[v..end]) is long or double)
                {
                    into.TryAdd(word[..^1].ToString(), Typed(span[v..end]));
                    i = end;
                }
            }
        }
    }

    /// <summary>A value as long, double or bool when it reads as one, else the string.</summary>
    public static object? Typed(ReadOnlySpan<char> value)
    {
        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if (value.Length > 0 && (char.IsAsciiDigit(value[0]) || value[0] == '-')
            && double.TryParse(value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out var d))
        {
            return d;
        }

        if (value.Equals("true", StringComparison.Ordinal))
        {
            return true;
        }

        if (value.Equals("false", StringComparison.Ordinal))
        {
            return false;
        }

        return value.ToString();
    }

    private static bool IsKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || !(char.IsAsciiLetter(key[0]) || key[0] == '_'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNameByte(byte b) =>
        b is >= (byte)'a' and <= (byte)'z' or >= (byte)'A' and <= (byte)'Z' or >= (byte)'0' and <= (byte)'9' or (byte)'_' or (byte)'-' or (byte)'.';
}

/// <summary>The fields of an access line, as spans into it.</summary>
internal ref struct AccessFields
{
    public ReadOnlySpan<byte> Client;
    public ReadOnlySpan<byte> Method;
    public ReadOnlySpan<byte> Path;
    public int Status;
    public double DurationMs;
    public ReadOnlySpan<byte> Wrapper;
}
