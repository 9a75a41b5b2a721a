using System.Runtime.CompilerServices;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The last N matching entries of a log (-Tail): its files newest first, a plain file read from its end in growing
/// windows, a gzip or UTF-16 file read whole keeping its last N; stops once it has N or has gone back past -Since.
/// </summary>
/// <param name="rangeSize">The range size a stream file is searched in.</param>
internal sealed class LogTailReader(long rangeSize)
{
    private const long FirstWindow = 64 * 1024;
    private const long LargestWindow = 64L << 20;

    /// <param name="files">The target's files to read, oldest first.</param>
    /// <param name="throwIfNothing">When no file could be opened, throw the first failure instead of reporting it.</param>
    public async IAsyncEnumerable<LogEntry> ReadAsync(List<(string Log, string Path, bool IsCurrent)> files, int count, EntryMatcher matcher,
        Func<string, long, long>? limit, IOpsReporter reporter, bool throwIfNothing, [EnumeratorCancellation] CancellationToken ct)
    {
        var kept = new List<LogEntry>();
        var opened = 0;
        var failures = new List<LogException>();
        for (var i = files.Count - 1; i >= 0 && kept.Count < count; i--)
        {
            using var session = LogReadSession.Open([files[i]], (_, path, ex) => failures.Add(LogFileErrors.Unreadable(path, ex)), limit);
            if (session.Files.Count == 0)
            {
                continue;
            }

            opened++;
            var (source, handle) = session.Files[0];
            var found = new List<LogEntry>();
            var reachedSince = false;
            if (source.Kind == LogSourceKind.Plain)
            {
                var end = source.Length;
                var window = FirstWindow;
                while (end > 0 && found.Count + kept.Count < count)
                {
                    ct.ThrowIfCancellationRequested();
                    var start = Math.Max(0, end - window);
                    var sink = new CollectingSink<LogEntry>(matcher);
                    try
                    {
                        LineScanner.ScanRange(source, handle, start, end, source.Length, sink, ct);
                    }
                    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                    {
                        failures.Add(LogFileErrors.Unreadable(source.Path, ex));
                        break;
                    }

                    found.InsertRange(0, sink.Results.Select(r => r.Value));
                    if (matcher.Since is { } since && sink.EarliestTicks < since)
                    {
                        reachedSince = true;
                        break;
                    }

                    end = start;
                    window = Math.Min(window * 2, LargestWindow);
                }
            }
            else
            {
                await foreach (var (_, before, results) in LogPipeline.SearchAsync(session, rangeSize, () => new CollectingSink<LogEntry>(matcher), null, ct).ConfigureAwait(false))
                {
                    found.AddRange(results.Select(r => r.Value with { LineNumber = before + r.Index + 1 }));
                    if (found.Count > 2 * count)
                    {
                        found.RemoveRange(0, found.Count - count);
                    }
                }
            }

            kept.InsertRange(0, found);
            if (kept.Count > count)
            {
                kept.RemoveRange(0, kept.Count - count);
            }

            if (reachedSince)
            {
                break;
            }
        }

        if (opened == 0 && failures.Count > 0 && throwIfNothing)
        {
            throw failures[0];
        }

        foreach (var failure in failures)
        {
            LogFileErrors.Report(reporter, failure);
        }

        foreach (var e in kept)
        {
            yield return e;
        }
    }
}
