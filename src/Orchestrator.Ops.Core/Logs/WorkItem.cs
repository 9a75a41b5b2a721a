using System.Buffers;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// A piece of a log to scan: the lines that start in a byte range of a plain file (read by position, so pieces of
/// one file are read in parallel), or a block of whole lines already decompressed/transcoded from a stream.
/// </summary>
internal sealed class WorkItem
{
    public required LogSource Source { get; init; }

    /// <summary>The file, for a range.</summary>
    public SafeFileHandle? Handle { get; init; }

    public long Start { get; init; }

    public long End { get; init; }

    /// <summary>For a block: its bytes (rented; returned after the scan).</summary>
    public byte[]? Block { get; init; }

    public int BlockLength { get; init; }

    /// <summary>For a block that is the start of one overlong line: the line's full length.</summary>
    public long CutLineLength { get; init; }

    /// <summary>Bytes of the file this item stands for (progress).</summary>
    public long Bytes { get; init; }

    /// <summary>Its position among the items of one search, for ordered output.</summary>
    public long Sequence { get; init; }

    /// <summary>Lines that start in this item (set by the scan).</summary>
    public long Lines { get; set; }

    public void Release()
    {
        if (Block is not null)
        {
            ArrayPool<byte>.Shared.Return(Block);
        }
    }
}
