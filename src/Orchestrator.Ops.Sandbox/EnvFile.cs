namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Parses env files in the systemd <c>EnvironmentFile</c> style: one <c>KEY=value</c> per line, blank lines and
/// lines starting with <c>#</c> or <c>;</c> ignored, an <c>export </c> prefix tolerated, and one pair of matching
/// double or single quotes around the value removed. Later assignments of a key override earlier ones.
/// </summary>
internal static class EnvFile
{
    /// <summary>Parses <paramref name="text"/>; lines that are not assignments are skipped and reported by number.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="ignoredLines">1-based numbers of the lines that were neither blank, a comment nor an assignment.</param>
    /// <returns>The assignments, keys compared ordinally.</returns>
    public static Dictionary<string, string> Parse(string text, out IReadOnlyList<int> ignoredLines)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var ignored = new List<int>();
        var lineNumber = 0;
        foreach (var rawLine in text.AsSpan().EnumerateLines())
        {
            lineNumber++;
            var line = rawLine.Trim();
            if (line.IsEmpty || line[0] == '#' || line[0] == ';')
            {
                continue;
            }

            if (line.StartsWith("export", StringComparison.Ordinal) && line.Length > 6 && char.IsWhiteSpace(line[6]))
            {
                line = line[7..].TrimStart();
            }

            var eq = line.IndexOf('=');
            if (eq <= 0)
            {
                ignored.Add(lineNumber);
                continue;
            }

            var key = line[..eq].TrimEnd();
            if (!IsValidKey(key))
            {
                ignored.Add(lineNumber);
                continue;
            }

            var value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\'') && value[^1] == value[0])
            {
                value = value[1..^1];
            }

            values[key.ToString()] = value.ToString();
        }

        ignoredLines = ignored;
        return values;
    }

    /// <summary>A shell-style variable name: a letter or underscore, then letters, digits or underscores.</summary>
    internal static bool IsValidKey(ReadOnlySpan<char> key)
    {
        if (key.IsEmpty || !(char.IsAsciiLetter(key[0]) || key[0] == '_'))
        {
            return false;
        }

        foreach (var c in key)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c == '_'))
            {
                return false;
            }
        }

        return true;
    }
}
