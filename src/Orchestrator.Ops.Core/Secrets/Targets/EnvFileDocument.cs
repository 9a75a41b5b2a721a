using System.Text;
using Orchestrator.Ops.EnvFiles;
using static Orchestrator.Ops.EnvFiles.EnvFileSyntax;

namespace Orchestrator.Ops.Core.Secrets.Targets;

/// <summary>
/// The text of an environment file as systemd's EnvironmentFile= reads it (see systemd.exec(5)), edited in place: setting or
/// removing one variable touches only its own line and leaves every other byte where it was.
/// </summary>
/// <remarks>The reading is <see cref="EnvFileSyntax"/>'s, the one the sandbox's wrappers read these files with.</remarks>
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
}
