using System.Formats.Tar;
using System.Runtime.ExceptionServices;
using System.Text.Json;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// Backups as files in one folder: <c>&lt;id&gt;.tar.zst</c> (or <c>.tar.gz</c>) and <c>&lt;id&gt;.manifest.json</c>. The archive is
/// written under a hidden temporary name, flushed and renamed; the manifest, which records every entry's SHA-256 and
/// the archive's, is written last the same way. A backup therefore exists exactly when its manifest does, and a
/// backup that was killed, cancelled or ran out of disk leaves nothing that is listed.
/// </summary>
public static partial class BackupArchive
{
    /// <summary>
    /// zstd (level 1): on a 200 MiB mixed tree on the 2-core box it compressed at 528 MiB/s to a ratio of 3.38, against
    /// gzip Fastest's 330 MiB/s and 2.67; levels 2 and 3 were slower for no gain (bench/README.md, BackupCodec.Bench.ps1).
    /// </summary>
    public const string DefaultCodec = "zstd";

    private const int CopyBufferSize = 128 * 1024;

    /// <summary>The mode recorded for files read on Windows, which has no Unix permissions.</summary>
    private const UnixFileMode WindowsFileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead;

    /// <summary>
    /// Writes a backup of <paramref name="sources"/> into <paramref name="root"/> (created owner-only if missing) and
    /// returns its sealed manifest. Each file is read once: hashed while it streams into the tar, while another thread
    /// compresses. The header's id, time, description, tag, host and codec are kept; everything else is computed.
    /// </summary>
    /// <exception cref="BackupException">SourceMissing naming the file; Io for a full disk or permissions. Nothing is kept either way.</exception>
    public static Task<BackupManifest> WriteAsync(string root, BackupManifest header, IReadOnlyList<BackupSource> sources,
        IProgress<BackupProgress>? progress, CancellationToken cancellationToken) =>
        WriteAsync(root, header, sources, progress, static stream => stream, cancellationToken);

    /// <summary>As the public overload; <paramref name="wrapArchiveOutput"/> lets tests put a failing disk under the archive.</summary>
    internal static async Task<BackupManifest> WriteAsync(string root, BackupManifest header, IReadOnlyList<BackupSource> sources,
        IProgress<BackupProgress>? progress, Func<Stream, Stream> wrapArchiveOutput, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(header);
        ArgumentNullException.ThrowIfNull(sources);
        BackupNames.RequireValidId(header.Id);
        var id = header.Id;
        var codec = BackupCodec.Find(header.Codec)
            ?? throw new ArgumentException($"Backup codec '{header.Codec}' is not supported; use zstd or gzip.", nameof(header));
        RequireSafeEntryPaths(sources);
        var expectedSizes = ProbeSources(id, sources);

        root = Path.GetFullPath(root);
        var archivePath = Path.Combine(root, id + codec.Extension);
        var manifestPath = BackupNames.ManifestPath(root, id);
        try
        {
            OwnerOnly.CreateFolder(root);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.Io, id, root, $"Backup '{id}': the backup folder '{root}' could not be created ({e.Message}).", e);
        }

        if (File.Exists(manifestPath) || BackupCodec.All.Any(c => File.Exists(Path.Combine(root, id + c.Extension))))
        {
            throw new BackupException(BackupFailure.Io, id, manifestPath, $"A backup with id '{id}' already exists in '{root}'; choose another id.");
        }

        var tempArchive = BackupNames.TempPath(archivePath);
        var archiveInPlace = false;
        try
        {
            var written = await WriteArchiveAsync(tempArchive, codec, id, sources, expectedSizes, progress, wrapArchiveOutput, cancellationToken)
                .ConfigureAwait(false);
            cancellationToken.ThrowIfCancellationRequested();
            File.Move(tempArchive, archivePath, overwrite: false);
            archiveInPlace = true;

            var manifest = BackupManifestJson.Seal(header with
            {
                FormatVersion = 1,
                Codec = codec.Name,
                Entries = written.Entries,
                Bytes = written.Entries.Sum(e => e.Size),
                CompressedBytes = written.CompressedBytes,
                ArchiveSha256 = written.Sha256,
                ManifestSha256 = null,
            });

            // Last, and atomically (temp, flush, rename): from here on the backup exists.
            AtomicFile.WriteAllText(manifestPath, BackupManifestJson.ToFileText(manifest), OwnerOnly.FileMode);
            written.Progress.Finish();
            return manifest;
        }
        catch (Exception e)
        {
            TryDelete(tempArchive);
            if (archiveInPlace)
            {
                TryDelete(archivePath);
            }

            if (e is IOException or UnauthorizedAccessException)
            {
                throw new BackupException(BackupFailure.Io, id, archivePath,
                    $"Backup '{id}' could not be written to '{root}' ({e.Message}); nothing was kept and earlier backups are untouched. " +
                    "Check the free space and permissions of the backup folder.", e);
            }

            throw;
        }
    }

    /// <summary>The backups in <paramref name="root"/>, newest first. Only ids with a manifest count; temporary files are ignored.</summary>
    /// <param name="cancellationToken">Checked before each manifest is read.</param>
    public static IReadOnlyList<BackupListing> List(string root, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        root = Path.GetFullPath(root);
        if (!Directory.Exists(root))
        {
            return [];
        }

        var found = new List<(BackupListing Listing, DateTimeOffset When)>();
        foreach (var path in Directory.EnumerateFiles(root, "*" + BackupNames.ManifestSuffix))
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = Path.GetFileName(path);
            var id = name[..^BackupNames.ManifestSuffix.Length];
            if (!BackupNames.IsValidId(id))
            {
                continue; // hidden temporary files and anything else that is not a backup of ours
            }

            try
            {
                var manifest = ReadManifest(root, id);
                found.Add((new BackupListing(id, manifest, null), manifest.CreatedAt));
            }
            catch (BackupException e) when (e.Failure != BackupFailure.NotFound)
            {
                found.Add((new BackupListing(id, null, e.Message), new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero)));
            }
            catch (BackupException)
            {
                // Deleted while we listed.
            }
        }

        return found
            .OrderByDescending(f => f.When)
            .ThenByDescending(f => f.Listing.Id, StringComparer.Ordinal)
            .Select(f => f.Listing)
            .ToList();
    }

    /// <summary>Reads a backup's manifest and checks its seal.</summary>
    /// <exception cref="BackupException">NotFound when there is no manifest; Damaged naming the manifest file when it cannot be trusted.</exception>
    public static BackupManifest ReadManifest(string root, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        BackupNames.RequireValidId(id);
        var path = BackupNames.ManifestPath(Path.GetFullPath(root), id);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new BackupException(BackupFailure.NotFound, id, path, $"There is no backup '{id}' in '{root}' (no {Path.GetFileName(path)}).", e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.Io, id, path, $"The manifest of backup '{id}' ('{path}') could not be read ({e.Message}).", e);
        }

        BackupManifest manifest;
        try
        {
            manifest = BackupManifestJson.Parse(text);
        }
        catch (JsonException e)
        {
            throw new BackupException(BackupFailure.Damaged, id, path,
                $"The manifest of backup '{id}' ('{path}') is truncated or damaged: it is not a readable manifest ({e.Message}).", e);
        }

        if (ManifestProblem(manifest, id) is { } problem)
        {
            throw new BackupException(BackupFailure.Damaged, id, path, $"The manifest of backup '{id}' ('{path}') {problem}; the backup cannot be trusted.");
        }

        return manifest;
    }

    /// <summary>Where the manifest's archive lives.</summary>
    public static string ArchivePath(string root, BackupManifest manifest)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentNullException.ThrowIfNull(manifest);
        BackupNames.RequireValidId(manifest.Id);
        var codec = BackupCodec.Find(manifest.Codec)
            ?? throw new ArgumentException($"Backup codec '{manifest.Codec}' is not supported.", nameof(manifest));
        return Path.Combine(Path.GetFullPath(root), manifest.Id + codec.Extension);
    }

    /// <summary>Deletes a backup: the manifest first, so it stops being listed at once, then the archive.</summary>
    /// <exception cref="BackupException">NotFound when neither exists; Io when a file cannot be deleted.</exception>
    public static void Delete(string root, string id)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        BackupNames.RequireValidId(id);
        root = Path.GetFullPath(root);
        var manifestPath = BackupNames.ManifestPath(root, id);
        var archives = BackupCodec.All.Select(c => Path.Combine(root, id + c.Extension)).Where(File.Exists).ToList();
        var hasManifest = File.Exists(manifestPath);
        if (!hasManifest && archives.Count == 0)
        {
            throw new BackupException(BackupFailure.NotFound, id, manifestPath, $"There is no backup '{id}' in '{root}'.");
        }

        var current = manifestPath;
        try
        {
            if (hasManifest)
            {
                File.Delete(manifestPath);
            }

            foreach (var archive in archives)
            {
                current = archive;
                File.Delete(archive);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.Io, id, current, $"Backup '{id}': '{current}' could not be deleted ({e.Message}).", e);
        }
    }

    private sealed record WrittenArchive(IReadOnlyList<BackupEntry> Entries, long CompressedBytes, string Sha256, ProgressTracker Progress);

    private static async Task<WrittenArchive> WriteArchiveAsync(string tempArchive, BackupCodec codec, string id,
        IReadOnlyList<BackupSource> sources, long[] expectedSizes, IProgress<BackupProgress>? progress,
        Func<Stream, Stream> wrapArchiveOutput, CancellationToken cancellationToken)
    {
        using var pipe = new ChunkPipe(cancellationToken);
        var tracker = new ProgressTracker(progress, expectedSizes.Sum(), sources.Count);
        var entries = new BackupEntry[sources.Count];

        // One thread reads, hashes and frames the files; the other compresses, hashes the archive and writes it.
        var produce = StartThread(() =>
        {
            try
            {
                WriteTar(pipe.Writer, id, sources, entries, tracker, cancellationToken);
                pipe.Writer.Dispose();
            }
            catch
            {
                pipe.Abort();
                throw;
            }
        });
        var compress = StartThread(() =>
        {
            try
            {
                return Compress(pipe.Reader, tempArchive, codec, wrapArchiveOutput);
            }
            catch
            {
                pipe.Abort();
                throw;
            }
        });

        await WhenBoth(produce, compress, cancellationToken).ConfigureAwait(false);
        var (size, sha) = compress.Result;
        return new WrittenArchive(entries, size, sha, tracker);
    }

    private static void WriteTar(Stream output, string id, IReadOnlyList<BackupSource> sources, BackupEntry[] entries,
        ProgressTracker tracker, CancellationToken cancellationToken)
    {
        using var tar = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        for (var i = 0; i < sources.Count; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var source = sources[i];
            tracker.Begin(source.EntryPath);
            using var file = OpenSource(id, source);
            // Size, mode and time from the open handle: they describe the bytes read below, not some earlier state.
            var length = file.Length;
            var mode = OperatingSystem.IsWindows() ? WindowsFileMode : File.GetUnixFileMode(file.SafeFileHandle);
            var modified = new DateTimeOffset(File.GetLastWriteTimeUtc(file.SafeFileHandle), TimeSpan.Zero);
            using var data = new SourceReadStream(file, length, id, tracker.Add, cancellationToken);
            tar.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, source.EntryPath)
            {
                Mode = mode,
                ModificationTime = modified,
                DataStream = data,
            });
            if (data.BytesRead != length)
            {
                throw new InvalidOperationException($"The tar writer read {data.BytesRead} of {length} bytes of '{source.SourcePath}'.");
            }

            entries[i] = new BackupEntry(source.EntryPath, length, mode, modified, data.Sha256());
            tracker.FileDone();
        }
    }

    private static (long Size, string Sha256) Compress(Stream input, string tempArchive, BackupCodec codec, Func<Stream, Stream> wrapArchiveOutput)
    {
        var options = new FileStreamOptions
        {
            Mode = FileMode.CreateNew,
            Access = FileAccess.Write,
            Share = FileShare.None,
            BufferSize = 64 * 1024,
        };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = OwnerOnly.FileMode;
        }

        using var file = new FileStream(tempArchive, options);
        using var output = wrapArchiveOutput(file);
        using var hashing = new HashingStream(output, hash: true);
        using (var compressor = codec.Compress(hashing))
        {
            input.CopyTo(compressor, CopyBufferSize);
        }

        hashing.Flush();
        file.Flush(flushToDisk: true);
        return (hashing.Count, hashing.Sha256());
    }

    private static FileStream OpenSource(string id, BackupSource source)
    {
        try
        {
            return new FileStream(source.SourcePath, new FileStreamOptions
            {
                Mode = FileMode.Open,
                Access = FileAccess.Read,
                Share = FileShare.ReadWrite | FileShare.Delete,
                BufferSize = 0,
                Options = FileOptions.SequentialScan,
            });
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.SourceMissing, id, source.SourcePath,
                $"Backup '{id}': '{source.SourcePath}' (entry '{source.EntryPath}') could not be opened ({e.Message}); nothing was kept.", e);
        }
    }

    /// <summary>Checks every source up front, so a missing one fails before anything is created; returns the sizes for progress.</summary>
    private static long[] ProbeSources(string id, IReadOnlyList<BackupSource> sources)
    {
        var sizes = new long[sources.Count];
        for (var i = 0; i < sources.Count; i++)
        {
            var info = new FileInfo(sources[i].SourcePath);
            if (!info.Exists)
            {
                throw new BackupException(BackupFailure.SourceMissing, id, sources[i].SourcePath,
                    $"Backup '{id}': '{sources[i].SourcePath}' (entry '{sources[i].EntryPath}') does not exist or is not a file; nothing was written.");
            }

            sizes[i] = info.Length;
        }

        return sizes;
    }

    private static void RequireSafeEntryPaths(IReadOnlyList<BackupSource> sources)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var source in sources)
        {
            ArgumentNullException.ThrowIfNull(source, nameof(sources));
            ArgumentException.ThrowIfNullOrEmpty(source.SourcePath, nameof(sources));
            if (BackupNames.UnsafePathReason(source.EntryPath) is { } reason)
            {
                throw new ArgumentException($"The entry path '{source.EntryPath}' {reason}; use a relative '/'-separated path such as state/ops.db.", nameof(sources));
            }

            if (!seen.Add(source.EntryPath))
            {
                throw new ArgumentException($"The entry path '{source.EntryPath}' is given twice.", nameof(sources));
            }
        }
    }

    private static string? ManifestProblem(BackupManifest manifest, string id)
    {
        if (string.IsNullOrEmpty(manifest.ManifestSha256))
        {
            return "has no manifestSha256 seal";
        }

        if (!string.Equals(BackupManifestJson.ComputeSha256(manifest), manifest.ManifestSha256, StringComparison.Ordinal))
        {
            return "does not match its manifestSha256: it was edited or damaged after it was written";
        }

        if (manifest.FormatVersion != 1)
        {
            return $"has format version {manifest.FormatVersion}, which this version of Orchestrator.Ops cannot read";
        }

        if (!string.Equals(manifest.Id, id, StringComparison.Ordinal))
        {
            return $"belongs to backup '{manifest.Id}': the file was renamed";
        }

        if (BackupCodec.Find(manifest.Codec) is null)
        {
            return $"names an unknown codec '{manifest.Codec}'";
        }

        if (manifest.Entries is null || manifest.Entries.Any(e => e is null || e.Path is null || !IsSha256(e.Sha256) || e.Size < 0))
        {
            return "has an incomplete entry (a path, size or SHA-256 is missing)";
        }

        if (manifest.Entries.Sum(e => e.Size) != manifest.Bytes)
        {
            return "has entry sizes that do not add up to its byte count";
        }

        return IsSha256(manifest.ArchiveSha256) ? null : "has no archiveSha256";
    }

    private static bool IsSha256(string? hex) => hex is { Length: 64 } && hex.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Hidden and suffixed .tmp: never listed, whatever is left.
        }
    }

    private static Task StartThread(Action work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static Task<T> StartThread<T>(Func<T> work) =>
        Task.Factory.StartNew(work, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    /// <summary>Waits for both sides of a pipe; when one failed, its error wins over the other's resulting cancellation.</summary>
    private static async Task WhenBoth(Task first, Task second, CancellationToken cancellationToken)
    {
        try
        {
            await Task.WhenAll(first, second).ConfigureAwait(false);
        }
        catch
        {
            var cause = new[] { first, second }
                .Where(t => t.IsFaulted)
                .Select(t => t.Exception!.InnerExceptions[0])
                .FirstOrDefault(e => e is not OperationCanceledException);
            if (cause is not null)
            {
                ExceptionDispatchInfo.Throw(cause);
            }

            cancellationToken.ThrowIfCancellationRequested();
            throw;
        }
    }
}
