using System.Formats.Tar;
using Orchestrator.Ops.Core.Backups;
using ZstdSharp;

namespace Orchestrator.Ops.Core.Tests.Backups;

/// <summary>Real files for backup tests: trees to back up, byte surgery on archives, hand-crafted hostile archives.</summary>
internal static class BackupTestKit
{
    internal static BackupManifest Header(string id, string codec = BackupArchive.DefaultCodec, DateTimeOffset? createdAt = null) => new()
    {
        Id = id,
        CreatedAt = createdAt ?? new DateTimeOffset(2026, 11, 28, 1, 15, 0, TimeSpan.Zero),
        Description = "test backup",
        Tag = "nightly",
        Host = "test-host",
        Codec = codec,
    };

    private static readonly BackupEntry[] NoEntries = [];

    /// <summary>Records compare lists by reference; a manifest read back holds a new list of equal entries.</summary>
    internal static void AssertSameManifest(BackupManifest expected, BackupManifest actual)
    {
        Assert.Equal(expected with { Entries = NoEntries }, actual with { Entries = NoEntries });
        Assert.Equal(expected.Entries, actual.Entries);
    }

    internal static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Writes a file with the given content, and mode and time when given, and returns its source.</summary>
    internal static BackupSource Put(TempFolder folder, string entryPath, byte[] content, UnixFileMode? mode = null, DateTime? modifiedUtc = null)
    {
        var path = folder.File(Path.Combine("src", entryPath.Replace('/', Path.DirectorySeparatorChar)));
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, content);
        if (mode is { } m && !OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, m);
        }

        if (modifiedUtc is { } t)
        {
            File.SetLastWriteTimeUtc(path, t);
        }

        return new BackupSource(path, entryPath);
    }

    /// <summary>A small tree: nested text, an empty file, some random bytes.</summary>
    internal static List<BackupSource> SmallTree(TempFolder folder) =>
    [
        Put(folder, "config/orchestrator-ops.json", "{ \"ops\": true }"u8.ToArray()),
        Put(folder, "state/empty.log", []),
        Put(folder, "state/ops.db", RandomBytes(300_000, 1)),
        Put(folder, "secrets/store/keys.json", "{ \"k\": \"v\" }"u8.ToArray()),
    ];

    internal static void FlipByte(string path, long offset)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = offset;
        var b = stream.ReadByte();
        stream.Position = offset;
        stream.WriteByte((byte)(b ^ 0x5A));
    }

    /// <summary>Files in a folder and below, relative, sorted; what a test sees as "written".</summary>
    internal static string[] FilesUnder(string folder) =>
        Directory.Exists(folder)
            ? Directory.EnumerateFileSystemEntries(folder, "*", SearchOption.AllDirectories)
                .Select(p => Path.GetRelativePath(folder, p).Replace(Path.DirectorySeparatorChar, '/'))
                .Order(StringComparer.Ordinal)
                .ToArray()
            : [];

    /// <summary>
    /// Writes a zstd tar built by <paramref name="fill"/> and a manifest sealed over <paramref name="entries"/> with the
    /// archive's true size and SHA-256: everything consistent, as a forger who can recompute the seal would make it.
    /// </summary>
    internal static void Craft(string root, string id, IReadOnlyList<BackupEntry> entries, Action<TarWriter> fill)
    {
        Directory.CreateDirectory(root);
        var archive = Path.Combine(root, id + ".tar.zst");
        using (var file = File.Create(archive))
        using (var zstd = new CompressionStream(file, 1))
        using (var tar = new TarWriter(zstd, TarEntryFormat.Pax, leaveOpen: true))
        {
            fill(tar);
        }

        var bytes = File.ReadAllBytes(archive);
        var manifest = BackupManifestJson.Seal(Header(id, "zstd") with
        {
            Entries = entries,
            Bytes = entries.Sum(e => e.Size),
            CompressedBytes = bytes.Length,
            ArchiveSha256 = Sha256(bytes),
        });
        File.WriteAllText(Path.Combine(root, id + ".manifest.json"), BackupManifestJson.ToFileText(manifest));
    }

    internal static BackupEntry EntryFor(string path, byte[] content) =>
        new(path, content.Length, UnixFileMode.UserRead | UnixFileMode.UserWrite, new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), Sha256(content));

    internal static void AddFile(TarWriter tar, string name, byte[] content) =>
        tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(content) });

    internal static string Sha256(byte[] bytes) => Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(bytes)).ToLowerInvariant();
}

/// <summary>Records every report synchronously (Progress&lt;T&gt; would post them to the thread pool) and can act on one.</summary>
internal sealed class RecordingProgress(Action<BackupProgress>? onReport = null) : IProgress<BackupProgress>
{
    private readonly List<BackupProgress> _reports = [];

    internal IReadOnlyList<BackupProgress> Reports
    {
        get
        {
            lock (_reports)
            {
                return _reports.ToList();
            }
        }
    }

    public void Report(BackupProgress value)
    {
        lock (_reports)
        {
            _reports.Add(value);
        }

        onReport?.Invoke(value);
    }
}

/// <summary>A disk that fills up: accepts <paramref name="capacity"/> bytes, then fails like ENOSPC.</summary>
internal sealed class FullDiskStream(Stream inner, long capacity) : Stream
{
    private long _written;

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        if (_written + buffer.Length > capacity)
        {
            throw new IOException("No space left on device");
        }

        inner.Write(buffer);
        _written += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();
}
