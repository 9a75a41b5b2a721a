using System.IO.Compression;
using ZstdSharp;
using ZstdSharp.Unsafe;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>An archive compression: its name in the manifest, its file extension, and its streams.</summary>
internal sealed class BackupCodec
{
    /// <summary>zstd level 1: see bench/README.md (BackupCodec) for the measurement behind it.</summary>
    internal const int ZstdLevel = 1;

    private static readonly BackupCodec Zstd = new(
        "zstd",
        ".tar.zst",
        output =>
        {
            var stream = new CompressionStream(output, ZstdLevel, leaveOpen: true);
            // The frame checksum lets decompression itself notice damage that the tar structure would hide.
            stream.SetParameter(ZSTD_cParameter.ZSTD_c_checksumFlag, 1);
            return stream;
        },
        input => new DecompressionStream(input, checkEndOfStream: true, leaveOpen: true));

    private static readonly BackupCodec Gzip = new(
        "gzip",
        ".tar.gz",
        output => new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true),
        input => new GZipStream(input, CompressionMode.Decompress, leaveOpen: true));

    private BackupCodec(string name, string extension, Func<Stream, Stream> compress, Func<Stream, Stream> decompress)
    {
        Name = name;
        Extension = extension;
        Compress = compress;
        Decompress = decompress;
    }

    internal static IReadOnlyList<BackupCodec> All { get; } = [Zstd, Gzip];

    internal string Name { get; }

    internal string Extension { get; }

    /// <summary>Wraps an output stream (left open on dispose); disposing the result ends the compressed stream.</summary>
    internal Func<Stream, Stream> Compress { get; }

    /// <summary>Wraps an input stream (left open on dispose).</summary>
    internal Func<Stream, Stream> Decompress { get; }

    internal static BackupCodec? Find(string? name) =>
        All.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
}
