using System.Text.RegularExpressions;
using System.Text;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The filters of a search, cheapest first and on bytes: a literal pattern and the wrapper's name are looked for in
/// the raw line, the level and timestamp are read from the line's head; only then is the line decoded (for a
/// regular expression, without making a string) and, when it is kept, turned into a <see cref="LogEntry"/>.
/// </summary>
internal sealed class EntryMatcher : LineMatcher<LogEntry>
{
    private static readonly IReadOnlyDictionary<string, object?> NoProperties = new Dictionary<string, object?>();

    private readonly bool[]? _levels;
    private readonly Regex? _regex;
    private readonly byte[]? _literal;
    private readonly bool _caseSensitive;
    private readonly string? _wrapper;
    private readonly byte[]? _wrapperBytes;
    private readonly long? _since;
    private readonly long? _until;
    private readonly bool _raw;
    private readonly byte[][] _slots;

    public EntryMatcher(LogSearchRequest request, byte[][] slots)
    {
        _slots = slots;
        _raw = request.Raw;
        _since = request.Since?.UtcTicks;
        _until = request.Until?.UtcTicks;
        _caseSensitive = request.CaseSensitive;
        if (request.Levels is { Count: > 0 } || request.MinimumLevel is not null)
        {
            _levels = new bool[(int)LogLevel.Fatal + 1];
            foreach (var l in request.Levels ?? [])
            {
                _levels[(int)l] = true;
            }

            if (request.Levels is not { Count: > 0 })
            {
                for (var l = request.MinimumLevel!.Value; l <= LogLevel.Fatal; l++)
                {
                    _levels[(int)l] = l != LogLevel.Unknown;
                }
            }
            else if (request.MinimumLevel is { } min)
            {
                for (var l = LogLevel.Unknown; l < min; l++)
                {
                    _levels[(int)l] = false;
                }
            }
        }

        if (!string.IsNullOrWhiteSpace(request.Wrapper))
        {
            _wrapper = request.Wrapper.Trim();
            _wrapperBytes = Encoding.UTF8.GetBytes(_wrapper);
        }

        if (!string.IsNullOrEmpty(request.Pattern))
        {
            if (IsLiteral(request.Pattern))
            {
                _literal = Encoding.ASCII.GetBytes(request.Pattern);
            }
            else
            {
                try
                {
                    _regex = new Regex(request.Pattern,
                        RegexOptions.Compiled | RegexOptions.CultureInvariant | (request.CaseSensitive ? RegexOptions.None : RegexOptions.IgnoreCase));
                }
                catch (ArgumentException ex)
                {
                    throw new LogException(LogFailure.BadPattern, request.Pattern,
                        $"The pattern '{request.Pattern}' is not a valid regular expression: {ex.Message} Escape special characters with \\ (or [regex]::Escape) to search for them literally.", ex);
                }
            }
        }
    }

    /// <summary>True when the timestamp is read anyway (time filters), so -Tail can stop going back before -Since.</summary>
    public long? Since => _since;

    public override bool TryMatch(LogSource source, ReadOnlySpan<byte> line, long fullLength, out LogEntry value, out long? ticks)
    {
        value = null!;
        ticks = null;
        if (_literal is not null && !(_caseSensitive ? line.IndexOf(_literal) >= 0 : ContainsIgnoreCase(line, _literal)))
        {
            return false;
        }

        if (_wrapperBytes is not null && !ContainsIgnoreCase(line, _wrapperBytes))
        {
            return false;
        }

        LogLineParser.ParseHead(line, out var head);
        ClefEvent? clef = null;
        if (head.Json && !ClefEvent.TryParse(line, out clef))
        {
            clef = null;
        }

        var level = clef?.Level ?? (head.Json ? LogLevel.Unknown : head.Level);
        if (_levels is not null && !_levels[(int)level])
        {
            return false;
        }

        if (clef is not null)
        {
            ticks = clef.Ticks;
        }
        else if (LogLineParser.TryGetTicks(line, head, out var t))
        {
            ticks = t;
        }

        if ((_since is not null || _until is not null) && (ticks is null || ticks < _since || ticks >= _until))
        {
            return false;
        }

        if (_regex is not null && !LogText.IsMatch(line, _regex))
        {
            return false;
        }

        var entry = Build(source, line, fullLength, head, clef, level, ticks);
        if (_wrapper is not null && !string.Equals(entry.Wrapper, _wrapper, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        value = entry;
        return true;
    }

    private LogEntry Build(LogSource source, ReadOnlySpan<byte> line, long fullLength, in LineHead head, ClefEvent? clef, LogLevel level, long? ticks)
    {
        var text = LogText.Decode(line);
        DateTimeOffset? timestamp = ticks is { } t ? new DateTimeOffset(t, TimeSpan.Zero) : null;
        var truncated = fullLength > line.Length;
        if (_raw && _wrapper is null)
        {
            return new LogEntry(timestamp, level, source.Log, null, null, text, NoProperties)
            {
                Path = source.Path, Line = text, Truncated = truncated, Length = fullLength,
            };
        }

        var properties = new Dictionary<string, object?>(StringComparer.OrdinalIgnoreCase);
        string message;
        string? wrapper;
        string? errorType = null;
        if (clef is not null)
        {
            message = clef.Message;
            foreach (var (k, v) in clef.Properties)
            {
                properties[k] = v;
            }

            if (clef.Exception is not null)
            {
                properties["Exception"] = clef.Exception;
            }

            var messageBytes = Encoding.UTF8.GetBytes(message);
            wrapper = clef.StringProperty("Wrapper") ?? Text(LogFields.Wrapper(messageBytes, _slots));
            if (level >= LogLevel.Error)
            {
                errorType = clef.ErrorType();
            }
        }
        else
        {
            var messageBytes = line[Math.Min(head.MessageStart, line.Length)..];
            message = LogText.Decode(messageBytes);
            wrapper = null;
            if (head.CategoryStart >= 0)
            {
                var category = Encoding.ASCII.GetString(line.Slice(head.CategoryStart, head.CategoryLength));
                properties["Category"] = category;
                if (category == "access" && LogFields.TryAccess(messageBytes, out var access))
                {
                    properties["Client"] = Text(access.Client);
                    properties["Method"] = Text(access.Method);
                    properties["RequestPath"] = Text(access.Path);
                    properties["Status"] = access.Status;
                    properties["DurationMs"] = access.DurationMs;
                    wrapper = Text(access.Wrapper);
                }
            }

            LogFields.AddPairs(message, properties);
            wrapper ??= Text(LogFields.Wrapper(messageBytes, _slots));
            if (level >= LogLevel.Error)
            {
                errorType = Text(LogFields.ErrorType(messageBytes));
            }

            if (Text(LogFields.FailedAuthClient(messageBytes)) is { } failedFrom)
            {
                properties.TryAdd("Client", failedFrom);
            }
            else if (Text(LogFields.RateLimitedClient(messageBytes)) is { } refused)
            {
                properties.TryAdd("Client", refused);
            }
        }

        if (truncated)
        {
            properties["Truncated"] = true;
        }

        return new LogEntry(timestamp, level, source.Log, wrapper, errorType, message, properties)
        {
            Path = source.Path, Line = text, Truncated = truncated, Length = fullLength,
        };
    }

    private static string? Text(ReadOnlySpan<byte> bytes) => bytes.IsEmpty ? null : LogText.Decode(bytes);

    /// <summary>Plain ASCII text without regular-expression syntax: searched for on bytes.</summary>
    private static bool IsLiteral(string pattern)
    {
        foreach (var c in pattern)
        {
            if (c > 127 || c is '\\' or '^' or '$' or '.' or '|' or '?' or '*' or '+' or '(' or ')' or '[' or ']' or '{' or '}' or '#' || char.IsWhiteSpace(c) && c != ' ')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>ASCII case-insensitive search.</summary>
    internal static bool ContainsIgnoreCase(ReadOnlySpan<byte> haystack, ReadOnlySpan<byte> needle)
    {
        if (needle.IsEmpty)
        {
            return true;
        }

        var first = needle[0];
        var lower = first is >= (byte)'A' and <= (byte)'Z' ? (byte)(first + 32) : first;
        var upper = first is >= (byte)'a' and <= (byte)'z' ? (byte)(first - 32) : first;
        var at = 0;
        while (at <= haystack.Length - needle.Length)
        {
            var i = haystack[at..(haystack.Length - needle.Length + 1)].IndexOfAny(lower, upper);
            if (i < 0)
            {
                return false;
            }

            at += i;
            if (Ascii.EqualsIgnoreCase(haystack.Slice(at, needle.Length), needle))
            {
                return true;
            }

            at++;
        }

        return false;
    }
}
