using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Which files a request reads: its log names and paths (or the call's default logs) turned into targets by
/// <see cref="LogFileSet"/>, each once; a missing log is reported and left out while others exist, else it ends the
/// call. Of a target's files, rotated ones last written well before -Since are left out.
/// </summary>
internal sealed class LogFileResolver(string logsFolder)
{
    /// <summary>Rotated files last written this long before -Since are not opened.</summary>
    public static readonly TimeSpan RotatedSlack = TimeSpan.FromMinutes(5);

    /// <summary>The folder the named logs are in.</summary>
    public string LogsFolder { get; } = logsFolder;

    /// <summary>The requested logs (<paramref name="defaults"/> when none is given), in the order given, each once (names compared case-insensitively).</summary>
    /// <param name="follow">Keep a log that has no file yet (-Wait waits for it).</param>
    public List<LogTarget> Resolve(IReadOnlyList<string>? logs, string[] defaults, bool follow, IOpsReporter reporter)
    {
        var names = logs is { Count: > 0 } ? logs : defaults;
        var targets = new List<LogTarget>();
        var missing = new List<LogException>();
        foreach (var log in names.Distinct(StringComparer.OrdinalIgnoreCase))
        {
            var target = LogFileSet.Resolve(log, LogsFolder);
            if (target.Files.Count == 0 && !follow)
            {
                missing.Add(LogFileSet.NotFound(log, target.CurrentPath, LogsFolder));
                continue;
            }

            targets.Add(target);
        }

        if (targets.Count == 0)
        {
            throw missing[0];
        }

        foreach (var m in missing)
        {
            LogFileErrors.Report(reporter, m);
        }

        return targets;
    }

    /// <summary>The files of a target to read, oldest first: rotated files last written well before <paramref name="since"/> are left out.</summary>
    public static IEnumerable<(string Log, string Path, bool IsCurrent)> FilesToRead(LogTarget target, DateTimeOffset? since)
    {
        foreach (var path in target.Files)
        {
            var current = string.Equals(path, target.CurrentPath, StringComparison.Ordinal);
            if (since is { } s && !current && File.GetLastWriteTimeUtc(path) < s.UtcDateTime - RotatedSlack)
            {
                continue;
            }

            yield return (target.Log, path, current);
        }
    }
}
