using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Splits bytes into lines and hands them to a sink without decoding anything. A range of a plain file gets the
/// lines that start inside it (the line that crosses its start belongs to the range before), read by position in
/// buffers of <see cref="LogService.MaxLineBytes"/>; a line longer than the buffer is handed over as its first
/// buffer-full with its full length, and the rest of it is skipped through a small second buffer.
/// </summary>
internal static class LineScanner
{
    private const int SkipBufferSize = 256 * 1024;

    /// <summary>Scans the lines starting in [start, end) of a file whose readable length is <paramref name="limit"/>; returns how many.</summary>
    public static long ScanRange(LogSource source, SafeFileHandle handle, long start, long end, long limit, LineSink sink, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(LogService.MaxLineBytes);
        var skip = ArrayPool<byte>.Shared.Rent(SkipBufferSize);
        try
        {
            var first = start == 0 ? 0 : FirstLineStart(handle, start, limit, skip);
            if (first < 0 || first >= end)
            {
                return 0;
            }

            return Scan(source, handle, first, end, limit, sink, buffer.AsSpan(0, LogService.MaxLineBytes), skip, ct);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(skip);
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Scans a block of whole lines (the last may lack its line break).</summary>
    public static long ScanBlock(LogSource source, ReadOnlySpan<byte> block, long cutLineLength, LineSink sink)
    {
        if (cutLineLength > 0)
        {
            sink.Line(source, TrimCr(block), 0, cutLineLength);
            return 1;
        }

        long index = 0;
        while (!block.IsEmpty)
        {
            var nl = block.IndexOf((byte)'\n');
            var line = nl < 0 ? block : block[..nl];
            line = TrimCr(line);
            sink.Line(source, line, index++, line.Length);
            if (nl < 0)
            {
                break;
            }

            block = block[(nl + 1)..];
        }

        return index;
    }

    /// <summary>The offset of the first line that starts at or after <paramref name="start"/>, or -1 past the end.</summary>
    public static long FirstLineStart(SafeFileHandle handle, long start, long limit, byte[] scratch)
    {
        var pos = start - 1;
        while (pos < limit)
        {
            var n = RandomAccess.Read(handle, scratch.AsSpan(0, (int)Math.Min(scratch.Length, limit - pos)), pos);
            if (n <= 0)
            {
                return -1;
            }

            var nl = scratch.AsSpan(0, n).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                return pos + nl + 1;
            }

            pos += n;
        }

        return -1;
    }

    private static long Scan(LogSource source, SafeFileHandle handle, long from, long end, long limit, LineSink sink, Span<byte> buffer, byte[] skip, CancellationToken ct)
    {
        var bufferAt = from; // file offset of buffer[0]
        var filled = 0;
        var lineStart = 0;
        var searched = 0;
        var eof = false;
        long index = 0;
        while (true)
        {
            var nl = buffer[searched..filled].IndexOf((byte)'\n');
            if (nl >= 0)
            {
                nl += searched;
                if (bufferAt + lineStart >= end)
                {
                    return index;
                }

                var line = TrimCr(buffer[lineStart..nl]);
                sink.Line(source, line, index++, line.Length);
                lineStart = nl + 1;
                searched = lineStart;
                continue;
            }

            searched = filled;
            if (bufferAt + lineStart >= end)
            {
                return index;
            }

            if (eof)
            {
                if (filled > lineStart)
                {
                    var line = TrimCr(buffer[lineStart..filled]);
                    sink.Line(source, line, index++, line.Length);
                }

                return index;
            }

            if (lineStart > 0)
            {
                buffer[lineStart..filled].CopyTo(buffer);
                bufferAt += lineStart;
                filled -= lineStart;
                searched -= lineStart;
                lineStart = 0;
            }

            if (filled == buffer.Length)
            {
                // One line longer than the buffer: hand over its start, skip the rest up to its line break.
                var rest = SkipToLineEnd(handle, bufferAt + filled, limit, skip, out var next);
                sink.Line(source, buffer, index++, filled + rest);
                if (next < 0)
                {
                    return index;
                }

                bufferAt = next;
                filled = 0;
                searched = 0;
                continue;
            }

            ct.ThrowIfCancellationRequested();
            var want = (int)Math.Min(buffer.Length - filled, limit - (bufferAt + filled));
            var n = want <= 0 ? 0 : RandomAccess.Read(handle, buffer[filled..(filled + want)], bufferAt + filled);
            if (n <= 0)
            {
                eof = true;
            }
            else
            {
                filled += n;
            }
        }
    }

    /// <summary>Reads past the rest of an overlong line; returns its remaining length and the offset after its line break (-1: end of file).</summary>
    private static long SkipToLineEnd(SafeFileHandle handle, long pos, long limit, byte[] skip, out long next)
    {
        long length = 0;
        while (pos < limit)
        {
            var n = RandomAccess.Read(handle, skip.AsSpan(0, (int)Math.Min(skip.Length, limit - pos)), pos);
            if (n <= 0)
            {
                break;
            }

            var nl = skip.AsSpan(0, n).IndexOf((byte)'\n');
            if (nl >= 0)
            {
                next = pos + nl + 1;
                return length + nl;
            }

            length += n;
            pos += n;
        }

        next = -1;
        return length;
    }

    public static ReadOnlySpan<byte> TrimCr(ReadOnlySpan<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;

    private static Span<byte> TrimCr(Span<byte> line) =>
        line.Length > 0 && line[^1] == (byte)'\r' ? line[..^1] : line;
}
