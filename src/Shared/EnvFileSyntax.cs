// Compiled into two assemblies: Orchestrator.Ops.Core (the secret targets that write env files) and
// Orchestrator.Ops.Sandbox (the wrappers that read them, in their own process without Core). One parser, so what a
// rotation writes is by construction what a consumer reads.
using System.Text;

namespace Orchestrator.Ops.EnvFiles;

/// <summary>
/// How an environment file reads, as systemd's EnvironmentFile= reads it (see systemd.exec(5)).
/// </summary>
/// <remarks>
/// Blank lines and lines starting with '#' or ';' are ignored (a comment ending in a backslash goes on to the next
/// line); "KEY=value" with whitespace around the key and the value dropped; an unquoted value takes backslash escapes
/// and a backslash-newline continues it; a '...' value is verbatim and may span lines; a "..." value may span lines and
/// a backslash keeps the next character when it is one of " \ ` $ (a backslash-newline is dropped), else the backslash
/// stays. Both '\n' and '\r' end a line. A line without '=' is not an assignment. When a variable is assigned twice,
/// the last assignment wins. systemd also ignores an assignment whose name is not a valid variable name (so
/// "export KEY=value" assigns nothing): <see cref="IsValidName"/> says which are.
/// </remarks>
internal static class EnvFileSyntax
{
    /// <summary>One "KEY=value" of the file and where it stands.</summary>
    /// <param name="LineStart">Where its line starts (the key may be indented).</param>
    /// <param name="KeyStart">Where the key starts.</param>
    /// <param name="End">The index of the line ending after the value, or the length of the text.</param>
    /// <param name="TerminatorLength">0 at the end of the text, 2 for "\r\n", else 1.</param>
    /// <param name="Line">The 1-based line the key is on.</param>
    internal sealed record Assignment(string Key, string Value, int LineStart, int KeyStart, int End, int TerminatorLength, int Line);

    /// <summary>A variable name as systemd takes it: a letter or underscore, then letters, digits or underscores.</summary>
    public static bool IsValidName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || !(char.IsAsciiLetter(name[0]) || name[0] == '_'))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsNewline(char c) => c is '\n' or '\r';

    private static bool IsBlank(char c) => c is ' ' or '\t' or '\n' or '\r';

    private enum State
    {
        Value,
        ValueEscape,
        PreValue,
        SingleQuote,
        DoubleQuote,
        DoubleQuoteEscape,
    }

    /// <summary>Every assignment of <paramref name="text"/>, in order.</summary>
    /// <param name="ignoredLines">When given, receives the 1-based numbers of the lines that are neither blank, a comment nor an assignment.</param>
    public static List<Assignment> Scan(string text, List<int>? ignoredLines = null)
    {
        var result = new List<Assignment>();
        var lines = new LineCounter(text);
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
                ignoredLines?.Add(lines.LineOf(keyStart));
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
            result.Add(new Assignment(key, value.ToString(), lineStart, keyStart, i, terminator, lines.LineOf(keyStart)));
        }

        return result;
    }

    /// <summary>Line numbers of positions met in increasing order ("\r\n", "\n" and "\r" each end a line).</summary>
    private struct LineCounter(string text)
    {
        private int _position;
        private int _line = 1;

        public int LineOf(int position)
        {
            for (; _position < position; _position++)
            {
                var c = text[_position];
                if (c == '\n' || (c == '\r' && (_position + 1 >= text.Length || text[_position + 1] != '\n')))
                {
                    _line++;
                }
            }

            return _line;
        }
    }
}
