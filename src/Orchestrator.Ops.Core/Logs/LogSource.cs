namespace Orchestrator.Ops.Core.Logs;

/// <summary>How a file's bytes are read.</summary>
internal enum LogSourceKind
{
    /// <summary>Bytes as they are (UTF-8, ASCII, Latin-1): read by position, in parallel chunks.</summary>
    Plain,

    /// <summary>gzip (by its magic bytes, whatever the name): decompressed as a stream.</summary>
    Gzip,

    /// <summary>UTF-16 with a byte-order mark: transcoded to UTF-8 as a stream.</summary>
    Utf16LittleEndian,

    Utf16BigEndian,
}

/// <summary>One file of a log: the current file or a rotated sibling.</summary>
/// <param name="Log">The log's name, or the path the caller gave.</param>
/// <param name="Path">The file's full path.</param>
/// <param name="Length">Its length when the read began; nothing after it is read (but for -Wait).</param>
internal sealed record LogSource(string Log, string Path, long Length, DateTime LastWriteUtc, LogSourceKind Kind)
{
    /// <summary>The file being written (not a rotated sibling).</summary>
    public bool IsCurrent { get; init; }
}
