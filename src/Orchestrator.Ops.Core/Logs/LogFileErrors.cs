using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The files a read could not use: the error that says so, and where it goes (to an <see cref="ILogFileErrorReporter"/>,
/// else as a warning). Opens the files of a read so that one that fails is reported and the others are read, and a
/// read that could open none of them ends with the first error.
/// </summary>
internal static class LogFileErrors
{
    public static void Report(IOpsReporter reporter, LogException error)
    {
        if (reporter is ILogFileErrorReporter errors)
        {
            errors.FileFailed(error);
        }
        else
        {
            reporter.Warning(error.Message);
        }
    }

    public static LogException Unreadable(string path, Exception ex) => new(
        LogFailure.Unreadable, path,
        ex switch
        {
            UnauthorizedAccessException => $"Cannot read '{path}': permission denied. Give the user running this read access to it; the other files were read.",
            InvalidDataException => $"Cannot read all of '{path}': it is damaged ({ex.Message}). The lines before the damage were read, and the other files.",
            _ => $"Cannot read '{path}': {ex.Message} The other files were read.",
        },
        ex);

    /// <summary>
    /// Opens the files; those that fail to open are reported once opening is over (or, with <paramref name="throwIfNothing"/>
    /// and none opened, the first is thrown), those that fail later while being read are reported as they fail.
    /// </summary>
    public static LogReadSession OpenSession(IEnumerable<(string Log, string Path, bool IsCurrent)> files, IOpsReporter reporter, Func<string, long, long>? limit, bool throwIfNothing)
    {
        var early = new List<LogException>();
        var started = false;
        var session = LogReadSession.Open(files, (_, path, ex) =>
        {
            var error = Unreadable(path, ex);
            lock (early)
            {
                if (!started)
                {
                    early.Add(error);
                    return;
                }
            }

            Report(reporter, error);
        }, limit);
        if (session.Files.Count == 0 && early.Count > 0 && throwIfNothing)
        {
            session.Dispose();
            throw early[0];
        }

        lock (early)
        {
            started = true;
        }

        foreach (var e in early)
        {
            Report(reporter, e);
        }

        return session;
    }
}
