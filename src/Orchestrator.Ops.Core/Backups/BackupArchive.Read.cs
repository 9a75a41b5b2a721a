// Over 500 lines on purpose: verify and extract share one scan with its entry checks, so the archive's safety rules stay in one file.
using System.Formats.Tar;
using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Backups;

public static partial class BackupArchive
{
    /// <summary>
    /// Checks a backup. Structural (the default): the manifest's seal, the archive's recorded size, the tar readable to
    /// its end (so the compressor's own checksum is checked too), every manifest entry present with its size, and no
    /// extra or unsafe entries. With <paramref name="readData"/>: also every entry's SHA-256 and the archive's.
    /// Damage is reported, never thrown.
    /// </summary>
    /// <exception cref="BackupException">NotFound when the backup has no manifest.</exception>
    public static async Task<BackupVerification> VerifyAsync(string root, string id, bool readData,
        IProgress<BackupProgress>? progress, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        BackupNames.RequireValidId(id);
        BackupManifest manifest;
        try
        {
            manifest = ReadManifest(root, id);
        }
        catch (BackupException e) when (e.Failure != BackupFailure.NotFound)
        {
            return new BackupVerification(id, false, 0, 0, [new DamagedEntry(id + BackupNames.ManifestSuffix, e.Message)], readData);
        }

        var scan = await Task.Run(() => Scan(root, manifest, readData, toTheEnd: true, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new BackupVerification(id, scan.Problems.Count == 0, scan.Files, scan.Bytes,
            scan.Problems.Select(p => new DamagedEntry(p.Path, p.Text)).ToList(), readData);
    }

    /// <summary>
    /// Extracts a backup (or the entries <paramref name="filter"/> accepts) into <paramref name="destination"/>. A first
    /// pass reads the archive's structure and refuses, before anything is written, an archive with an unsafe entry ('..',
    /// absolute paths, links, devices) or one the manifest does not list. Each file is then written under a temporary
    /// name beside its target, checked against its size and SHA-256, given its mode and time, and renamed into place.
    /// </summary>
    /// <exception cref="BackupException">
    /// NotFound; Unsafe naming the entry (nothing written); Damaged naming the file (files extracted before it stay in
    /// <paramref name="destination"/>, so extract into a staging folder); Io for the destination.
    /// </exception>
    public static Task<IReadOnlyList<BackupEntry>> ExtractAsync(string root, string id, string destination,
        Func<BackupEntry, bool>? filter, IProgress<BackupProgress>? progress, CancellationToken cancellationToken) =>
        ExtractAsync(root, id, destination, filter, progress, scanFirst: true, cancellationToken);

    /// <param name="scanFirst">
    /// False skips the first pass (the whole archive read once to refuse unsafe or damaged entries before anything is
    /// written). Only for a fresh staging folder the caller deletes when extraction throws: every entry is still checked
    /// (path, type, membership, size and SHA-256) as it is met, so nothing unsafe or damaged survives, in one read.
    /// </param>
    public static async Task<IReadOnlyList<BackupEntry>> ExtractAsync(string root, string id, string destination,
        Func<BackupEntry, bool>? filter, IProgress<BackupProgress>? progress, bool scanFirst, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(root);
        ArgumentException.ThrowIfNullOrEmpty(destination);
        var manifest = ReadManifest(root, id);
        return await Task.Run(() =>
        {
            if (!scanFirst)
            {
                return ExtractEntries(root, manifest, destination, filter, progress, cancellationToken, direct: true);
            }

            var scan = Scan(root, manifest, readData: false, toTheEnd: false, progress: null, cancellationToken);
            if (scan.Problems.FirstOrDefault(p => p.Unsafe) is { } unsafeEntry)
            {
                throw new BackupException(BackupFailure.Unsafe, id, unsafeEntry.Path,
                    $"Backup '{id}' was not extracted: its archive entry '{unsafeEntry.Path}' {unsafeEntry.Text}. Nothing was written to '{destination}'.");
            }

            if (scan.Problems.FirstOrDefault() is { } damaged)
            {
                throw new BackupException(BackupFailure.Damaged, id, damaged.Path,
                    $"Backup '{id}' was not extracted: '{damaged.Path}' {damaged.Text}. Nothing was written to '{destination}'.");
            }

            return ExtractEntries(root, manifest, destination, filter, progress, cancellationToken);
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One problem; <see cref="Unsafe"/> marks entries that extraction must refuse outright.</summary>
    private sealed record Problem(string Path, string Text, bool Unsafe);

    private sealed record ScanResult(IReadOnlyList<Problem> Problems, int Files, long Bytes);

    /// <param name="toTheEnd">
    /// Read past the tar's end to the end of the compressed stream, where the codec's checksum is checked. Extraction's
    /// first pass skips it: a checksum failure there names no file, while the second pass's SHA-256 checks name the one.
    /// </param>
    private static ScanResult Scan(string root, BackupManifest manifest, bool readData, bool toTheEnd, IProgress<BackupProgress>? progress,
        CancellationToken cancellationToken)
    {
        var problems = new List<Problem>();
        var archivePath = ArchivePath(root, manifest);
        var archiveName = Path.GetFileName(archivePath);
        var expected = new Dictionary<string, BackupEntry>(StringComparer.Ordinal);
        foreach (var entry in manifest.Entries)
        {
            if (BackupNames.UnsafePathReason(entry.Path) is { } reason)
            {
                problems.Add(new Problem(entry.Path, $"{reason} (in the manifest)", true));
            }
            else if (!expected.TryAdd(entry.Path, entry))
            {
                problems.Add(new Problem(entry.Path, "is listed twice in the manifest", true));
            }
        }

        if (!File.Exists(archivePath))
        {
            problems.Add(new Problem(archiveName, $"is missing (expected at '{archivePath}')", false));
            return new ScanResult(problems, 0, 0);
        }

        var tracker = new ProgressTracker(progress, manifest.Bytes, manifest.Entries.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var readToEnd = false;
        string? archiveSha256 = null;
        long archiveLength;
        FileStream file;
        try
        {
            file = OpenArchive(archivePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            problems.Add(new Problem(archiveName, $"cannot be opened ({e.Message})", false));
            return new ScanResult(problems, 0, 0);
        }

        using (file)
        using (var pipe = new ChunkPipe(cancellationToken))
        {
            archiveLength = file.Length;
            using var hashing = new HashingStream(file, readData);
            var decompress = StartDecompress(BackupCodec.Find(manifest.Codec)!, hashing, pipe);
            string? current = null;
            string? last = null;
            try
            {
                using var tar = new TarReader(pipe.Reader, leaveOpen: true);
                while (tar.GetNextEntry() is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    current = entry.Name;
                    var (recorded, problem) = Check(entry, expected, seen);
                    if (problem is not null)
                    {
                        problems.Add(problem);
                    }
                    else if (recorded is not null)
                    {
                        tracker.Begin(recorded.Path);
                        // Read through the data here, not in GetNextEntry, so that damage in it is blamed on this entry.
                        var (size, sha256) = ReadEntry(entry.DataStream, readData, tracker, cancellationToken);
                        if (size != recorded.Size)
                        {
                            problems.Add(new Problem(recorded.Path, $"is cut short: {size:N0} of {recorded.Size:N0} bytes", false));
                        }
                        else if (readData && !string.Equals(sha256, recorded.Sha256, StringComparison.Ordinal))
                        {
                            problems.Add(new Problem(recorded.Path, $"does not match its SHA-256 (read {sha256}, recorded {recorded.Sha256})", false));
                        }

                        tracker.FileDone();
                    }

                    last = current;
                    current = null;
                }

                if (toTheEnd)
                {
                    // To the end of the decompressed stream: zstd's frame checksum and gzip's CRC are checked there.
                    pipe.Reader.CopyTo(Stream.Null);
                }

                readToEnd = true;
            }
            catch (Exception e) when (!(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var cause = (e.InnerException ?? e).Message;
                problems.Add(current is not null
                    ? new Problem(current, $"cannot be read: the archive is damaged inside this entry ({cause})", false)
                    : new Problem(archiveName, $"is unreadable after {(last is null ? "its start" : $"entry '{last}'")} ({cause})", false));
            }
            finally
            {
                pipe.Abort();
                decompress.GetAwaiter().GetResult();
            }

            if (readData && readToEnd)
            {
                archiveSha256 = hashing.Sha256();
            }
        }

        foreach (var entry in manifest.Entries)
        {
            if (expected.ContainsKey(entry.Path) && !seen.Contains(entry.Path))
            {
                problems.Add(new Problem(entry.Path, readToEnd
                    ? "is missing from the archive"
                    : "was not checked: the archive is unreadable before it", false));
            }
        }

        if (archiveLength != manifest.CompressedBytes)
        {
            problems.Add(new Problem(archiveName,
                $"is {archiveLength:N0} bytes; the manifest recorded {manifest.CompressedBytes:N0} (cut short, or written to after the backup)", false));
        }

        if (archiveSha256 is not null && !string.Equals(archiveSha256, manifest.ArchiveSha256, StringComparison.Ordinal))
        {
            problems.Add(new Problem(archiveName, "does not match the archive SHA-256 recorded in the manifest", false));
        }

        if (problems.Count == 0)
        {
            tracker.Finish();
        }

        return new ScanResult(problems, tracker.Files, tracker.Bytes);
    }

    /// <summary>Whether an archive entry may be extracted: a regular file, at a safe path, listed once in the manifest, of the listed size.</summary>
    private static (BackupEntry? Recorded, Problem? Problem) Check(TarEntry entry, Dictionary<string, BackupEntry> expected, HashSet<string> seen)
    {
        var name = entry.Name;
        if (entry.EntryType is not (TarEntryType.RegularFile or TarEntryType.V7RegularFile))
        {
            var link = entry.EntryType is TarEntryType.SymbolicLink or TarEntryType.HardLink ? $" to '{entry.LinkName}'" : "";
            return (null, new Problem(name, $"is a {entry.EntryType}{link}; backups hold only regular files", true));
        }

        if (BackupNames.UnsafePathReason(name) is { } reason)
        {
            return (null, new Problem(name, reason, true));
        }

        if (!expected.TryGetValue(name, out var recorded))
        {
            return (null, new Problem(name, "is not in the manifest", true));
        }

        if (!seen.Add(name))
        {
            return (null, new Problem(name, "appears twice in the archive", true));
        }

        if (entry.Length != recorded.Size)
        {
            return (null, new Problem(name, $"is {entry.Length:N0} bytes in the archive; the manifest says {recorded.Size:N0}", false));
        }

        return (recorded, null);
    }

    /// <summary>Reads an entry's data to its end, counting (for progress too) and, when asked, hashing.</summary>
    private static (long Size, string? Sha256) ReadEntry(Stream? data, bool hash, ProgressTracker tracker, CancellationToken cancellationToken)
    {
        using var sha256 = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;
        long size = 0;
        if (data is not null)
        {
            var buffer = new byte[CopyBufferSize];
            int n;
            while ((n = data.Read(buffer)) > 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
                sha256?.AppendData(buffer.AsSpan(0, n));
                size += n;
                tracker.Add(n);
            }
        }

        return (size, sha256 is null ? null : BackupManifestJson.Hex(sha256.GetCurrentHash()));
    }

    /// <param name="direct">Write each file under its final name (a private staging folder the caller discards on failure) instead of a temporary name renamed into place.</param>
    private static IReadOnlyList<BackupEntry> ExtractEntries(string root, BackupManifest manifest, string destination,
        Func<BackupEntry, bool>? filter, IProgress<BackupProgress>? progress, CancellationToken cancellationToken, bool direct = false)
    {
        var id = manifest.Id;
        var all = manifest.Entries.ToDictionary(e => e.Path, StringComparer.Ordinal);
        var selected = manifest.Entries.Where(e => filter?.Invoke(e) ?? true).ToDictionary(e => e.Path, StringComparer.Ordinal);
        var tracker = new ProgressTracker(progress, selected.Values.Sum(e => e.Size), selected.Count);
        var target = Path.GetFullPath(destination);
        try
        {
            OwnerOnly.CreateFolder(target);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.Io, id, target, $"Backup '{id}': the destination '{target}' could not be created ({e.Message}).", e);
        }

        var written = new List<BackupEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var archivePath = ArchivePath(root, manifest);
        FileStream file;
        try
        {
            file = OpenArchive(archivePath);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.Damaged, id, Path.GetFileName(archivePath),
                $"Backup '{id}': the archive '{archivePath}' cannot be opened ({e.Message}).", e);
        }

        using (file)
        using (var pipe = new ChunkPipe(cancellationToken))
        {
            using var input = new HashingStream(file, hash: false);
            var decompress = StartDecompress(BackupCodec.Find(manifest.Codec)!, input, pipe);
            string? current = null;
            try
            {
                using var tar = new TarReader(pipe.Reader, leaveOpen: true);
                while (tar.GetNextEntry() is { } entry)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    current = entry.Name;

                    // The first pass refused these already; checking again is free and covers an archive swapped in between.
                    var (recorded, problem) = Check(entry, all, seen);
                    if (problem is not null)
                    {
                        throw new BackupException(problem.Unsafe ? BackupFailure.Unsafe : BackupFailure.Damaged, id, problem.Path,
                            $"Backup '{id}': the archive entry '{problem.Path}' {problem.Text}; extraction stopped.");
                    }

                    if (selected.ContainsKey(recorded!.Path))
                    {
                        tracker.Begin(recorded.Path);
                        WriteEntry(id, entry.DataStream, recorded, target, tracker, cancellationToken, direct);
                        written.Add(recorded);
                        tracker.FileDone();
                    }

                    current = null;
                }
            }
            catch (Exception e) when (e is not BackupException && !(e is OperationCanceledException && cancellationToken.IsCancellationRequested))
            {
                var where = current ?? Path.GetFileName(archivePath);
                throw new BackupException(BackupFailure.Damaged, id, where,
                    $"Backup '{id}': the archive is damaged at '{where}' ({(e.InnerException ?? e).Message}); extraction stopped.", e);
            }
            finally
            {
                pipe.Abort();
                decompress.GetAwaiter().GetResult();
            }
        }

        if (selected.Keys.FirstOrDefault(p => !seen.Contains(p)) is { } missing)
        {
            throw new BackupException(BackupFailure.Damaged, id, missing, $"Backup '{id}': '{missing}' is missing from the archive.");
        }

        tracker.Finish();
        return written;
    }

    /// <summary>Writes one entry beside its target under a temporary name, checks it, then renames it into place.</summary>
    private static void WriteEntry(string id, Stream? data, BackupEntry recorded, string destination, ProgressTracker tracker,
        CancellationToken cancellationToken, bool direct = false)
    {
        var path = Path.GetFullPath(Path.Combine(destination, recorded.Path.Replace('/', Path.DirectorySeparatorChar)));
        var prefix = Path.EndsInDirectorySeparator(destination) ? destination : destination + Path.DirectorySeparatorChar;
        if (!path.StartsWith(prefix, StringComparison.Ordinal))
        {
            throw new BackupException(BackupFailure.Unsafe, id, recorded.Path,
                $"Backup '{id}': the archive entry '{recorded.Path}' would be written outside '{destination}'; extraction stopped.");
        }

        CreateParentFolders(id, destination, path, recorded.Path);
        var temp = direct ? path : BackupNames.TempPath(path);
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, Share = FileShare.None, BufferSize = 0 };
            if (!OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = OwnerOnly.FileMode;
            }

            using (var output = new FileStream(temp, options))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                long size = 0;
                if (data is not null)
                {
                    var buffer = new byte[CopyBufferSize];
                    while (true)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        int n;
                        try
                        {
                            n = data.Read(buffer);
                        }
                        catch (Exception e) when (e is not OperationCanceledException)
                        {
                            throw new BackupException(BackupFailure.Damaged, id, recorded.Path,
                                $"Backup '{id}': '{recorded.Path}' cannot be read: the archive is damaged inside it ({(e.InnerException ?? e).Message}). " +
                                $"It was not written; files extracted before it are in '{destination}'.", e);
                        }

                        if (n == 0)
                        {
                            break;
                        }

                        output.Write(buffer, 0, n);
                        hash.AppendData(buffer, 0, n);
                        size += n;
                        tracker.Add(n);
                    }
                }

                var sha256 = BackupManifestJson.Hex(hash.GetCurrentHash());
                if (size != recorded.Size || !string.Equals(sha256, recorded.Sha256, StringComparison.Ordinal))
                {
                    throw new BackupException(BackupFailure.Damaged, id, recorded.Path,
                        $"Backup '{id}': '{recorded.Path}' does not match its recorded size and SHA-256 (read {size:N0} bytes, {sha256}; " +
                        $"recorded {recorded.Size:N0} bytes, {recorded.Sha256}): the archive is damaged. It was not written; files extracted before it are in '{destination}'.");
                }

                // No fsync per file (tar -x does none either): an in-place restore flushes each file it swaps in.
            }

            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, recorded.Mode & BackupNames.PermissionBits);
            }

            File.SetLastWriteTimeUtc(temp, recorded.Modified.UtcDateTime);
            if (!direct)
            {
                File.Move(temp, path, overwrite: true);
            }
        }
        catch (Exception e)
        {
            TryDelete(temp);
            if (e is IOException or UnauthorizedAccessException)
            {
                throw new BackupException(BackupFailure.Io, id, path, $"Backup '{id}': '{path}' could not be written ({e.Message}).", e);
            }

            throw;
        }
    }

    /// <summary>
    /// Creates the folders between the destination and a file, owner-only, refusing any that is a link: a link planted
    /// in the destination would otherwise carry the write elsewhere.
    /// </summary>
    private static void CreateParentFolders(string id, string destination, string path, string entryPath)
    {
        var relative = Path.GetRelativePath(destination, Path.GetDirectoryName(path)!);
        if (relative == ".")
        {
            return;
        }

        var folder = destination;
        foreach (var segment in relative.Split(Path.DirectorySeparatorChar))
        {
            folder = Path.Combine(folder, segment);
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is not null)
            {
                throw new BackupException(BackupFailure.Unsafe, id, entryPath,
                    $"Backup '{id}': '{folder}' in the destination is a link, so '{entryPath}' could be written elsewhere; extraction stopped. Extract into an empty folder.");
            }

            try
            {
                OwnerOnly.CreateFolder(folder);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                throw new BackupException(BackupFailure.Io, id, folder, $"Backup '{id}': the folder '{folder}' could not be created ({e.Message}).", e);
            }
        }
    }

    private static FileStream OpenArchive(string path) =>
        new(path, new FileStreamOptions
        {
            Mode = FileMode.Open,
            Access = FileAccess.Read,
            Share = FileShare.Read,
            BufferSize = 0,
            Options = FileOptions.SequentialScan,
        });

    /// <summary>Decompresses on its own thread into the pipe; a decompression error reaches the reader where the data stops.</summary>
    private static Task StartDecompress(BackupCodec codec, HashingStream input, ChunkPipe pipe) =>
        StartThread(() =>
        {
            try
            {
                using (var decompressor = codec.Decompress(input))
                {
                    decompressor.CopyTo(pipe.Writer, CopyBufferSize);
                }

                // Whatever follows the compressed stream still belongs to the archive's size and SHA-256.
                input.CopyTo(Stream.Null);
                pipe.Writer.Dispose();
            }
            catch (Exception e)
            {
                pipe.Complete(e);
            }
        });
}
