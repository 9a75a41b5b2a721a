using System.Globalization;
using System.Text.RegularExpressions;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Turns log names and paths into files. A name (application, access, error, monitoring, or any other bare word with
/// a <c>&lt;word&gt;.log</c> in the logs folder) means <c>&lt;logs&gt;/&lt;name&gt;.log</c> plus its rotated siblings:
/// <c>&lt;name&gt;&lt;stamp&gt;.log</c> (Serilog's rolling files, e.g. application20261127.log, application_001.log),
/// <c>&lt;name&gt;.log.N</c> and <c>&lt;name&gt;.log.N.gz</c> (logrotate), and the same with .gz; oldest first.
/// Anything else is a path (wildcards in its file name are expanded).
/// </summary>
internal static partial class LogFileSet
{
    /// <summary>The logs the runbook names.</summary>
    public static readonly string[] KnownNames = ["application", "access", "error", "monitoring"];

    public static LogTarget Resolve(string log, string logsFolder, string? currentDirectory = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(log);
        if (IsName(log))
        {
            var name = log.ToLowerInvariant();
            var files = Siblings(logsFolder, name);
            var current = CurrentFile(logsFolder, name, files);
            if (files.Count == 0 && Array.IndexOf(KnownNames, name) < 0)
            {
                throw NotFound(log, current, logsFolder);
            }

            return new LogTarget(name, current, files, IsName: true);
        }

        var path = Path.GetFullPath(log, currentDirectory ?? Environment.CurrentDirectory);
        var leaf = Path.GetFileName(path);
        if (leaf.AsSpan().IndexOfAny('*', '?') >= 0)
        {
            var dir = Path.GetDirectoryName(path)!;
            var matches = Directory.Exists(dir)
                ? Directory.EnumerateFiles(dir, leaf).Order(StringComparer.Ordinal).ToList()
                : [];
            return new LogTarget(log, path, matches, IsName: false);
        }

        if (Directory.Exists(path))
        {
            throw new LogException(LogFailure.NotFound, log,
                $"'{path}' is a folder, not a log file. Give a file (wildcards allowed, e.g. '{Path.Combine(path, "*.log")}') or a log name: {Known(logsFolder)}.");
        }

        return new LogTarget(log, path, File.Exists(path) ? [path] : [], IsName: false);
    }

    /// <summary>
    /// The file a named log is written to: <c>&lt;name&gt;.log</c>, or when there is none but stamped siblings
    /// (Serilog's rolling files), the newest uncompressed one.
    /// </summary>
    public static string CurrentFile(string logsFolder, string name, IReadOnlyList<string> files)
    {
        var plain = Path.Combine(logsFolder, name + ".log");
        if (File.Exists(plain))
        {
            return plain;
        }

        var newest = files.LastOrDefault(f => f.EndsWith(".log", StringComparison.OrdinalIgnoreCase));
        return newest ?? plain;
    }

    /// <summary>The error for a log with no file: names the path and the logs there are.</summary>
    public static LogException NotFound(string log, string path, string logsFolder) => new(
        LogFailure.NotFound, log,
        $"There is no log '{log}': '{path}' does not exist{(IsName(log) ? $" (nor any rotated {log}*.log or .gz next to it)" : string.Empty)}. "
        + $"Known logs in '{logsFolder}': {Known(logsFolder)}. Pass one of those names or the path of a log file.");

    /// <summary>The names of the logs in the folder (the runbook's four first).</summary>
    public static string Known(string logsFolder)
    {
        var names = new List<string>(KnownNames);
        if (Directory.Exists(logsFolder))
        {
            foreach (var f in Directory.EnumerateFiles(logsFolder, "*.log").Select(Path.GetFileNameWithoutExtension).Order(StringComparer.Ordinal))
            {
                if (f is not null && BareWord().IsMatch(f) && !names.Contains(f, StringComparer.OrdinalIgnoreCase)
                    && !KnownNames.Any(k => f.StartsWith(k, StringComparison.OrdinalIgnoreCase) && RotationSuffix().IsMatch(f[k.Length..])))
                {
                    names.Add(f);
                }
            }
        }

        return string.Join(", ", names);
    }

    /// <summary>The files of a named log, oldest first: logrotate's numbered ones (highest number first), then stamped ones, then the current file.</summary>
    public static List<string> Siblings(string logsFolder, string name)
    {
        if (!Directory.Exists(logsFolder))
        {
            return [];
        }

        var found = new List<(int Group, long Number, string Stamp, string Path)>();
        foreach (var path in Directory.EnumerateFiles(logsFolder, name + "*"))
        {
            var file = Path.GetFileName(path);
            if (!file.StartsWith(name, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rest = file[name.Length..];
            if (rest.Equals(".log", StringComparison.OrdinalIgnoreCase))
            {
                found.Add((3, 0, string.Empty, path));
                continue;
            }

            if (rest.Equals(".log.gz", StringComparison.OrdinalIgnoreCase))
            {
                found.Add((2, 0, string.Empty, path));
                continue;
            }

            var numbered = Numbered().Match(rest);
            if (numbered.Success)
            {
                found.Add((0, -long.Parse(numbered.Groups[1].Value, CultureInfo.InvariantCulture), string.Empty, path));
                continue;
            }

            var stamped = Stamped().Match(rest);
            if (stamped.Success)
            {
                found.Add((1, 0, stamped.Groups[1].Value, path));
            }
        }

        return found.OrderBy(f => f.Group).ThenBy(f => f.Number).ThenBy(f => f.Stamp, StringComparer.Ordinal).Select(f => f.Path).ToList();
    }

    /// <summary>A bare word (no separator, no dot) is a log name; anything else is a path.</summary>
    public static bool IsName(string log) => BareWord().IsMatch(log);

    [GeneratedRegex(@"^[A-Za-z][A-Za-z0-9_-]*$")]
    private static partial Regex BareWord();

    [GeneratedRegex(@"^\.log\.([0-9]{1,6})(\.gz)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Numbered();

    [GeneratedRegex(@"^([0-9][0-9_.-]*|[_.-][0-9][0-9_.-]*)\.log(\.gz)?$", RegexOptions.IgnoreCase)]
    private static partial Regex Stamped();

    [GeneratedRegex(@"^([0-9_.-]*)$")]
    private static partial Regex RotationSuffix();
}
