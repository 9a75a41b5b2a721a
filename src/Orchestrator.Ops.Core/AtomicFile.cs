namespace Orchestrator.Ops.Core;

/// <summary>Writes a file so a reader sees the old content or the new, never half of it.</summary>
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

    private static void Write(string path, UnixFileMode? mode, Action<FileStream> fill)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
            if (mode is { } m && !OperatingSystem.IsWindows())
            {
                options.UnixCreateMode = m;
            }

            using (var stream = new FileStream(temp, options))
            {
                fill(stream);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
