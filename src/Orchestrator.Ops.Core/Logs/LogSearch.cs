using System.Runtime.CompilerServices;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// One search: the matching entries of its logs, log by log, each oldest file first (numbered by line), or the last
/// N of each (<see cref="LogTailReader"/>); with -Wait then what <see cref="FollowedLogs"/> finds appended.
/// </summary>
internal sealed class LogSearch(string logsFolder, TimeProvider time, long rangeSize, TimeSpan followPoll)
{
    /// <summary>With -Wait and neither -Tail nor -Since, the entries shown first (like <c>tail -f</c>).</summary>
    private const int FollowTail = 10;

    public async IAsyncEnumerable<LogEntry> RunAsync(LogSearchRequest request, List<LogTarget> targets, EntryMatcher matcher, IOpsReporter reporter,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var tail = request.Tail ?? (request.Follow && request.Since is null ? FollowTail : null);
        var followed = request.Follow ? new FollowedLogs(targets) : null;
        Func<string, long, long>? limit = followed is null ? null : followed.Limit;
        var tailReader = tail is null ? null : new LogTailReader(rangeSize);
        foreach (var target in targets)
        {
            var files = LogFileResolver.FilesToRead(target, request.Since).ToList();
            var throwIfNothing = targets.Count == 1 && !request.Follow;
            if (tail is { } n)
            {
                await foreach (var e in tailReader!.ReadAsync(files, n, matcher, limit, reporter, throwIfNothing, ct).ConfigureAwait(false))
                {
                    yield return e;
                }

                continue;
            }

            using var session = LogFileErrors.OpenSession(files, reporter, limit, throwIfNothing);
            var progress = new LogProgress(reporter, time, $"Searching {target.Log}", session.TotalBytes);
            await foreach (var (_, before, results) in LogPipeline.SearchAsync(session, rangeSize, () => new CollectingSink<LogEntry>(matcher), progress, ct).ConfigureAwait(false))
            {
                foreach (var (index, entry) in results)
                {
                    yield return entry with { LineNumber = before + index + 1 };
                }
            }

            progress.Complete();
        }

        if (followed is null)
        {
            yield break;
        }

        await foreach (var entry in followed.FollowAsync(logsFolder, matcher, reporter, time, followPoll, ct).ConfigureAwait(false))
        {
            yield return entry;
        }
    }
}
