using System.Buffers;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Runs scans over the files of a session: plain files cut into ranges that workers read by position in
/// parallel, stream files (gzip, UTF-16) decompressed by one producer each into blocks of whole lines that the
/// workers scan. Measuring merges one sink per worker; searching keeps the items' order.
/// </summary>
internal static class LogPipeline
{
    /// <summary>Work in flight: the workers (one per core) and the items they may run ahead.</summary>
    public static int Workers { get; set; } = Math.Max(1, Environment.ProcessorCount);

    /// <summary>Runs every line of the session through one sink per worker and returns the sinks.</summary>
    public static async Task<List<TSink>> MeasureAsync<TSink>(LogReadSession session, long rangeSize, Func<TSink> create, LogProgress progress, CancellationToken ct)
        where TSink : LineSink
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var workers = Workers;
        var channel = Channel.CreateBounded<WorkItem>(new BoundedChannelOptions(workers * 2) { SingleWriter = false, SingleReader = false });
        var producer = Task.Run(() => ProduceAsync(session, rangeSize, (item, token) => channel.Writer.WriteAsync(item, token), ordered: false, stop.Token), stop.Token)
            .ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        var running = new Task<TSink>[workers];
        for (var w = 0; w < workers; w++)
        {
            running[w] = Task.Run(async () =>
            {
                var sink = create();
                try
                {
                    await foreach (var item in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
                    {
                        try
                        {
                            Process(session, item, sink, stop.Token);
                        }
                        finally
                        {
                            item.Release();
                            progress.Add(item.Bytes);
                        }
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    await stop.CancelAsync().ConfigureAwait(false);
                    throw;
                }

                return sink;
            }, stop.Token);
        }

        try
        {
            var sinks = await Task.WhenAll(running).ConfigureAwait(false);
            await producer.ConfigureAwait(false);
            ct.ThrowIfCancellationRequested();
            return [.. sinks];
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
            while (channel.Reader.TryRead(out var left))
            {
                left.Release();
            }
        }
    }

    /// <summary>
    /// Scans the session's items in parallel (a few ahead of the reader) and yields each item's results in file
    /// order, with the number of lines of the file before the item (for line numbers; -1 when not known).
    /// </summary>
    public static async IAsyncEnumerable<(WorkItem Item, long LinesBefore, List<(long Index, T Value)> Results)> SearchAsync<T>(
        LogReadSession session, long rangeSize, Func<CollectingSink<T>> create, LogProgress? progress, [EnumeratorCancellation] CancellationToken ct)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var channel = Channel.CreateBounded<(WorkItem, Task<List<(long, T)>>)>(new BoundedChannelOptions(Workers * 2) { SingleWriter = true, SingleReader = true });
        var producer = Task.Run(() => ProduceAsync(session, rangeSize, (item, token) =>
            {
                var task = Task.Run(() =>
                {
                    var sink = create();
                    try
                    {
                        Process(session, item, sink, token);
                    }
                    finally
                    {
                        item.Release();
                    }

                    return sink.Results;
                }, token);
                return channel.Writer.WriteAsync((item, task), token);
            }, ordered: true, stop.Token), stop.Token)
            .ContinueWith(t => channel.Writer.TryComplete(t.Exception?.InnerException), CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        try
        {
            LogSource? file = null;
            long lines = 0;
            await foreach (var (item, task) in channel.Reader.ReadAllAsync(stop.Token).ConfigureAwait(false))
            {
                var results = await task.ConfigureAwait(false);
                if (!ReferenceEquals(file, item.Source))
                {
                    file = item.Source;
                    lines = 0;
                }

                progress?.Add(item.Bytes);
                yield return (item, lines, results);
                lines += item.Lines;
            }

            await producer.ConfigureAwait(false);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
            while (channel.Reader.TryRead(out var left))
            {
                try
                {
                    await left.Item2.ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }
        }
    }

    /// <summary>Scans one item into a sink; a file that fails to read is reported once and its other items are skipped.</summary>
    public static void Process(LogReadSession session, WorkItem item, LineSink sink, CancellationToken ct)
    {
        if (session.HasFailed(item.Source.Path))
        {
            return;
        }

        try
        {
            item.Lines = item.Block is null
                ? LineScanner.ScanRange(item.Source, item.Handle!, item.Start, item.End, item.Source.Length, sink, ct)
                : LineScanner.ScanBlock(item.Source, item.Block.AsSpan(0, item.BlockLength), item.CutLineLength, sink);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            session.Fail(item.Source, item.Source.Path, ex);
        }
    }

    /// <summary>Makes the items: ranges for plain files, blocks for stream files (each stream file on a task of its own unless ordered).</summary>
    public static async Task ProduceAsync(LogReadSession session, long rangeSize, Func<WorkItem, CancellationToken, ValueTask> emit, bool ordered, CancellationToken ct)
    {
        long sequence = 0;
        var streams = new List<Task>();
        foreach (var (source, handle) in session.Files)
        {
            if (source.Kind != LogSourceKind.Plain)
            {
                if (ordered)
                {
                    await ProduceBlocksAsync(session, source, emit, () => sequence++, ct).ConfigureAwait(false);
                }
                else
                {
                    streams.Add(Task.Run(() => ProduceBlocksAsync(session, source, emit, () => Interlocked.Increment(ref sequence), ct), ct));
                }

                continue;
            }

            for (long start = 0; start < source.Length; start += rangeSize)
            {
                var end = Math.Min(source.Length, start + rangeSize);
                await emit(new WorkItem { Source = source, Handle = handle, Start = start, End = end, Bytes = end - start, Sequence = sequence++ }, ct).ConfigureAwait(false);
            }
        }

        await Task.WhenAll(streams).ConfigureAwait(false);
    }

    /// <summary>Reads a stream file into blocks of whole lines; an overlong line becomes a block of its start and is skipped to its end.</summary>
    private static async Task ProduceBlocksAsync(LogReadSession session, LogSource source, Func<WorkItem, CancellationToken, ValueTask> emit, Func<long> sequence, CancellationToken ct)
    {
        var size = LogService.MaxLineBytes;
        byte[]? block = ArrayPool<byte>.Shared.Rent(size);
        FileStream? file = null;
        long reported = 0;
        try
        {
            using var content = LogReadSession.OpenContent(source, out file);
            var filled = 0;
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                var n = await content.ReadAsync(block.AsMemory(filled, size - filled), ct).ConfigureAwait(false);
                filled += n;
                if (n == 0)
                {
                    if (filled > 0)
                    {
                        var last = block;
                        block = null;
                        await Emit(last, filled, 0).ConfigureAwait(false);
                    }

                    return;
                }

                if (filled < size)
                {
                    continue;
                }

                var lastNl = block.AsSpan(0, filled).LastIndexOf((byte)'\n');
                if (lastNl >= 0)
                {
                    var next = ArrayPool<byte>.Shared.Rent(size);
                    var carry = filled - lastNl - 1;
                    block.AsSpan(lastNl + 1, carry).CopyTo(next);
                    var whole = block;
                    block = next;
                    filled = carry;
                    await Emit(whole, lastNl + 1, 0).ConfigureAwait(false);
                    continue;
                }

                // The start of a line longer than a block: keep it, count the rest up to the line break.
                var head = block;
                block = ArrayPool<byte>.Shared.Rent(size);
                long length = size;
                filled = 0;
                var ended = false;
                while (true)
                {
                    ct.ThrowIfCancellationRequested();
                    var m = await content.ReadAsync(block.AsMemory(0, size), ct).ConfigureAwait(false);
                    if (m == 0)
                    {
                        ended = true;
                        break;
                    }

                    var nl = block.AsSpan(0, m).IndexOf((byte)'\n');
                    if (nl >= 0)
                    {
                        length += nl;
                        filled = m - nl - 1;
                        block.AsSpan(nl + 1, filled).CopyTo(block);
                        break;
                    }

                    length += m;
                }

                await Emit(head, size, length).ConfigureAwait(false);
                if (ended)
                {
                    return;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            session.Fail(source, source.Path, ex);
        }
        finally
        {
            if (block is not null)
            {
                ArrayPool<byte>.Shared.Return(block);
            }
        }

        async ValueTask Emit(byte[] bytes, int length, long cut)
        {
            var position = file!.Position;
            var progressBytes = position - reported;
            reported = position;
            await emit(new WorkItem { Source = source, Block = bytes, BlockLength = length, CutLineLength = cut, Bytes = progressBytes, Sequence = sequence() }, ct).ConfigureAwait(false);
        }
    }
}
