using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The logs a -Wait search follows. Made before the first read: where each current file's complete lines end then,
/// which is as far as the first read goes (<see cref="Limit"/>) and where its <see cref="LogFollower"/> starts, so no
/// line is read twice or missed. <see cref="FollowAsync"/> runs one follower per log and streams what they find.
/// </summary>
internal sealed class FollowedLogs
{
    private readonly List<LogTarget> _targets;
    private readonly Dictionary<string, long> _from = new(StringComparer.Ordinal);

    public FollowedLogs(List<LogTarget> targets)
    {
        _targets = targets;
        foreach (var t in targets)
        {
            _from[t.CurrentPath] = CompleteLength(t.CurrentPath);
        }
    }

    /// <summary>How much of a file the first read takes: a followed file up to where its follower starts.</summary>
    public long Limit(string path, long length) => _from.TryGetValue(path, out var p) ? Math.Min(p, length) : length;

    /// <summary>What is appended to the logs (rotation included), as it comes, until cancelled.</summary>
    public async IAsyncEnumerable<LogEntry> FollowAsync(string logsFolder, EntryMatcher matcher, IOpsReporter reporter, TimeProvider time, TimeSpan poll,
        [EnumeratorCancellation] CancellationToken ct)
    {
        var channel = Channel.CreateBounded<LogEntry>(new BoundedChannelOptions(4096) { SingleReader = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var followers = _targets
            .Select(t => Task.Run(() => new LogFollower(t, logsFolder, matcher, channel.Writer, reporter, time, poll)
                .RunAsync(t.CurrentPath, _from[t.CurrentPath], stop.Token), stop.Token))
            .ToArray();
        _ = Task.WhenAll(followers).ContinueWith(t => channel.Writer.TryComplete(t.IsCanceled ? null : t.Exception?.InnerException),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            await foreach (var entry in channel.Reader.ReadAllAsync(ct).ConfigureAwait(false))
            {
                yield return entry;
            }

            ct.ThrowIfCancellationRequested();
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await Task.WhenAll(followers).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>The length of a file up to the end of its last complete line (0 when it does not exist).</summary>
    public static long CompleteLength(string path)
    {
        try
        {
            using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            var length = RandomAccess.GetLength(handle);
            var buffer = new byte[64 * 1024];
            var end = length;
            while (end > 0)
            {
                var start = Math.Max(0, end - buffer.Length);
                var n = RandomAccess.Read(handle, buffer.AsSpan(0, (int)(end - start)), start);
                var nl = buffer.AsSpan(0, n).LastIndexOf((byte)'\n');
                if (nl >= 0)
                {
                    return start + nl + 1;
                }

                end = start;
            }

            return 0;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return 0;
        }
    }
}
