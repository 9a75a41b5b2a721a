using Orchestrator.Ops.EnvFiles;

namespace Orchestrator.Ops.Sandbox;

/// <summary>
/// Reads an env file as a consumer started by systemd with EnvironmentFile= would see it: the parser is
/// <see cref="EnvFileSyntax"/>, the same the engine's env-file targets write these files for.
/// </summary>
internal static class EnvFile
{
    /// <summary>Parses <paramref name="text"/>; what is not an assignment of a valid name is skipped and reported by line.</summary>
    /// <param name="text">The file's content.</param>
    /// <param name="ignoredLines">1-based numbers of the lines that were neither blank, a comment nor an assignment of a valid name.</param>
    /// <returns>The assignments (the last of each name), names compared ordinally.</returns>
    public static Dictionary<string, string> Parse(string text, out IReadOnlyList<int> ignoredLines)
    {
        var ignored = new List<int>();
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var a in EnvFileSyntax.Scan(text, ignored))
        {
            if (EnvFileSyntax.IsValidName(a.Key))
            {
                values[a.Key] = a.Value;
            }
            else
            {
                ignored.Add(a.Line);
            }
        }

        ignored.Sort();
        ignoredLines = ignored;
        return values;
    }
}
