namespace Orchestrator.Ops.Core.IO;

/// <summary>
/// Writes a file so a reader sees the old content or the new, never half of it: a temporary file beside it, flushed
/// to disk, then renamed over it. The one writer of whole files in the engine and the service.
/// </summary>
public static class AtomicFile
{
    public static void WriteAllText(string path, string content, UnixFileMode? mode = null) =>
        Write(path, mode, stream =>
        {
            using var writer = new StreamWriter(stream, leaveOpen: true);
            writer.Write(content);
            writer.Flush();
        });

    /// <summary>Writes exact bytes: what a restore of a file read earlier needs (no re-encoding).</summary>
    public static void WriteAllBytes(string path, ReadOnlyMemory<byte> content, UnixFileMode? mode = null) =>
        Write(path, mode, stream => stream.Write(content.Span));

    /// <summary>
    /// Writes what <paramref name="fill"/> puts in the stream, then renames it over <paramref name="path"/>. Without
    /// <paramref name="overwrite"/>, the rename itself refuses a file that exists (an <see cref="IOException"/>), even
    /// one that appeared while this wrote, and nothing is left behind.
    /// </summary>
    public static void Write(string path, UnixFileMode? mode, Action<FileStream> fill, bool overwrite = true)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = TempPathFor(path);
        try
        {
            using (var stream = OwnerOnly.CreateNew(temp, mode))
            {
                if (mode is { } exact && !OperatingSystem.IsWindows())
                {
                    // The create mode is narrowed by the umask; a mode kept from an earlier file must come back exactly.
                    File.SetUnixFileMode(stream.SafeFileHandle, exact);
                }

                fill(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>
    /// Copies <paramref name="source"/> over <paramref name="target"/> the same way (a reader sees the old file or the
    /// new), the copy taking <paramref name="mode"/> and <paramref name="source"/>'s last write time.
    /// </summary>
    public static void CopyOver(string source, string target, UnixFileMode? mode)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(target))!);
        var temp = TempPathFor(target);
        try
        {
            File.Copy(source, temp);
            if (mode is { } m && !OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, m);
            }

            using (var stream = new FileStream(temp, FileMode.Open, FileAccess.ReadWrite))
            {
                stream.Flush(flushToDisk: true);
            }

            File.SetLastWriteTimeUtc(temp, File.GetLastWriteTimeUtc(source));
            File.Move(temp, target, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>A fresh hidden temporary name beside <paramref name="path"/>, in its folder (so the rename stays on one file system).</summary>
    public static string TempPathFor(string path)
    {
        var full = Path.GetFullPath(path);
        return Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
    }
}
