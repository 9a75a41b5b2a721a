using System.Text;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// The text of an environment file as systemd's EnvironmentFile= reads it (see systemd.exec(5)), edited in place: setting or
/// removing one variable touches only its own line and leaves every other byte where it was.
/// </summary>
/// <remarks>
/// The reading follows systemd's parser: blank lines and lines starting with '#' or ';' are ignored (a comment ending in a
/// backslash goes on to the next line); "KEY=value" with whitespace around the key and the value dropped; an unquoted value
/// takes backslash escapes and a backslash-newline continues it; a '...' value is verbatim and may span lines; a "..." value
/// may span lines and a backslash keeps the next character when it is one of " \ ` $ (a backslash-newline is dropped),
/// else the backslash stays. Both '\n' and '\r' end a line. When a variable is assigned twice, the last assignment wins.
/// </remarks>
internal sealed class EnvFileDocument
{
    private string _text;

    private EnvFileDocument(string text) => _text = text;

    public static EnvFileDocument Parse(string text) => new(text);

    public string Text => _text;

    /// <summary>The value the file gives <paramref name="key"/> (its last assignment), or null when it has none.</summary>
    public string? Get(string key) => Scan(_text).LastOrDefault(a => a.Key == key)?.Value;

    /// <summary>
    /// Gives <paramref name="key"/> the value: its first assignment is rewritten where it stands and any later ones are removed.
    /// A new variable goes right after <paramref name="after"/>'s assignment when there is one, else at the end.
    /// </summary>
    public void Set(string key, string value, string? after = null)
    {
        var line = $"{key}={Encode(value)}";
        var assignments = Scan(_text).Where(a => a.Key == key).ToList();
        if (assignments.Count > 0)
        {
            // Later duplicates first, so the offsets of the earlier ones stay valid.
            foreach (var duplicate in assignments.Skip(1).Reverse())
            {
                _text = _text.Remove(duplicate.LineStart, duplicate.End + duplicate.TerminatorLength - duplicate.LineStart);
            }

            var first = assignments[0];
            _text = string.Concat(_text.AsSpan(0, first.KeyStart), line, _text.AsSpan(first.End));
            return;
        }

        var anchor = after is null ? null : Scan(_text).LastOrDefault(a => a.Key == after);
        if (anchor is not null)
        {
            _text = anchor.TerminatorLength > 0
                ? _text.Insert(anchor.End + anchor.TerminatorLength, line + "\n")
                : _text.Insert(anchor.End, "\n" + line);
            return;
        }

        _text = _text.Length == 0 || _text[^1] is '\n' or '\r' ? _text + line + "\n" : _text + "\n" + line + "\n";
    }

    /// <summary>Removes every assignment of <paramref name="key"/>, each with its line ending.</summary>
    public void Remove(string key)
    {
        foreach (var a in Scan(_text).Where(a => a.Key == key).Reverse())
        {
            _text = _text.Remove(a.LineStart, a.End + a.TerminatorLength - a.LineStart);
        }
    }

    /// <summary>
    /// The value as it is written after "KEY=": unquoted when it is only characters no reader treats specially, else in
    /// double quotes with " \ ` $ escaped by a backslash (newlines and other characters as they are).
    /// </summary>
    public static string Encode(string value)
    {
        if (value.Length > 0 && value.All(IsPlain))
        {
            return value;
        }

        var quoted = new StringBuilder(value.Length + 8).Append('"');
        foreach (var c in value)
        {
            if (c is '"' or '\\' or '`' or '$')
            {
                quoted.Append('\\');
            }

            quoted.Append(c);
        }

        return quoted.Append('"').ToString();
    }

    private static bool IsPlain(char c) =>
        c is (>= 'A' and <= 'Z') or (>= 'a' and <= 'z') or (>= '0' and <= '9') or '_' or '-' or '.' or ',' or ':' or '/' or '@' or '%' or '+' or '=';

    private static bool IsNewline(char c) => c is '\n' or '\r';

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\n' or '\r';

    /// <summary>One "KEY=value" of the file and where it stands.</summary>
    /// <param name="LineStart">Where its line starts (the key may be indented).</param>
    /// <param name="KeyStart">Where the key starts.</param>
    /// <param name="End">The index of the line ending after the value, or the length of the text.</param>
    /// <param name="TerminatorLength">0 at the end of the text, 2 for "\r\n", else 1.</param>
    private sealed record Assignment(string Key, string Value, int LineStart, int KeyStart, int End, int TerminatorLength);

    private enum State
    {
        Value,
        ValueEscape,
        PreValue,
        SingleQuote,
        DoubleQuote,
        DoubleQuoteEscape,
    }

    private static List<Assignment> Scan(string text)
    {
        var result = new List<Assignment>();
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (IsBlank(c))
            {
                i++;
                continue;
            }

            if (c is '#' or ';')
            {
                // A comment runs to the end of its line; a backslash carries it over a line ending, as in systemd.
                for (i++; i < text.Length && !IsNewline(text[i]); i++)
                {
                    if (text[i] == '\\')
                    {
                        i++;
                    }
                }

                continue;
            }

            var keyStart = i;
            while (i < text.Length && text[i] != '=' && !IsNewline(text[i]))
            {
                i++;
            }

            if (i >= text.Length || text[i] != '=')
            {
                // A line without '=' is ignored.
                continue;
            }

            var key = text[keyStart..i].TrimEnd(' ', '\t');
            i++;
            var value = new StringBuilder();
            var state = State.PreValue;
            var trailingBlank = -1;
            for (; i < text.Length; i++)
            {
                c = text[i];
                if (IsNewline(c) && state is State.PreValue or State.Value)
                {
                    break;
                }

                switch (state)
                {
                    case State.PreValue:
                        if (c == '\'')
                        {
                            state = State.SingleQuote;
                        }
                        else if (c == '"')
                        {
                            state = State.DoubleQuote;
                        }
                        else if (c == '\\')
                        {
                            state = State.ValueEscape;
                        }
                        else if (!IsBlank(c))
                        {
                            state = State.Value;
                            value.Append(c);
                        }

                        break;
                    case State.Value:
                        if (c == '\\')
                        {
                            state = State.ValueEscape;
                            trailingBlank = -1;
                        }
                        else
                        {
                            if (!IsBlank(c))
                            {
                                trailingBlank = -1;
                            }
                            else if (trailingBlank < 0)
                            {
                                trailingBlank = value.Length;
                            }

                            value.Append(c);
                        }

                        break;
                    case State.ValueEscape:
                        state = State.Value;
                        if (!IsNewline(c))
                        {
                            value.Append(c);
                        }

                        break;
                    case State.SingleQuote:
                        if (c == '\'')
                        {
                            state = State.PreValue;
                        }
                        else
                        {
                            value.Append(c);
                        }

                        break;
                    case State.DoubleQuote:
                        if (c == '"')
                        {
                            state = State.PreValue;
                        }
                        else if (c == '\\')
                        {
                            state = State.DoubleQuoteEscape;
                        }
                        else
                        {
                            value.Append(c);
                        }

                        break;
                    case State.DoubleQuoteEscape:
                        state = State.DoubleQuote;
                        if (c is '"' or '\\' or '`' or '$')
                        {
                            value.Append(c);
                        }
                        else if (c != '\n')
                        {
                            value.Append('\\').Append(c);
                        }

                        break;
                }
            }

            if (trailingBlank >= 0)
            {
                value.Length = trailingBlank;
            }

            var lineStart = keyStart;
            while (lineStart > 0 && text[lineStart - 1] is ' ' or '\t')
            {
                lineStart--;
            }

            var terminator = i >= text.Length ? 0 : text[i] == '\r' && i + 1 < text.Length && text[i + 1] == '\n' ? 2 : 1;
            result.Add(new Assignment(key, value.ToString(), lineStart, keyStart, i, terminator));
        }

        return result;
    }
}
