using System.IO.Compression;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// The files of one read, opened: plain files by handle (read by position), gzip and UTF-16 files as streams.
/// A file that cannot be opened is reported to the callback and left out; the others are read.
/// </summary>
internal sealed class LogReadSession : IDisposable
{
    private readonly Action<LogSource?, string, Exception> _failed;
    private readonly HashSet<string> _failedPaths = new(StringComparer.Ordinal);

    private LogReadSession(Action<LogSource?, string, Exception> failed) => _failed = failed;

    public List<(LogSource Source, SafeFileHandle Handle)> Files { get; } = [];

    public int FailedCount { get; private set; }

    public long TotalBytes => Files.Sum(f => f.Source.Length);

    /// <param name="files">(log, path, is current, read up to) in reading order; readUpTo limits a followed file to its complete lines.</param>
    public static LogReadSession Open(IEnumerable<(string Log, string Path, bool IsCurrent)> files, Action<LogSource?, string, Exception> failed, Func<string, long, long>? limit = null)
    {
        var session = new LogReadSession(failed);
        Span<byte> magic = stackalloc byte[3];
        foreach (var (log, path, current) in files)
        {
            SafeFileHandle? handle = null;
            try
            {
                handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
                var length = RandomAccess.GetLength(handle);
                if (limit is not null)
                {
                    length = limit(path, length);
                }

                var n = RandomAccess.Read(handle, magic, 0);
                var kind = n >= 2 && magic[0] == 0x1F && magic[1] == 0x8B ? LogSourceKind.Gzip
                    : n >= 2 && magic[0] == 0xFF && magic[1] == 0xFE ? LogSourceKind.Utf16LittleEndian
                    : n >= 2 && magic[0] == 0xFE && magic[1] == 0xFF ? LogSourceKind.Utf16BigEndian
                    : LogSourceKind.Plain;
                var source = new LogSource(log, path, length, File.GetLastWriteTimeUtc(path), kind) { IsCurrent = current };
                session.Files.Add((source, handle));
                handle = null;
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                handle?.Dispose();
                session.Fail(null, path, ex);
            }
        }

        return session;
    }

    /// <summary>Reports a file that failed (once per file).</summary>
    public void Fail(LogSource? source, string path, Exception ex)
    {
        lock (_failedPaths)
        {
            if (!_failedPaths.Add(path))
            {
                return;
            }

            FailedCount++;
        }

        _failed(source, path, ex);
    }

    public bool HasFailed(string path)
    {
        lock (_failedPaths)
        {
            return _failedPaths.Contains(path);
        }
    }

    /// <summary>A stream of the file's content as UTF-8 (decompressed, transcoded) for the stream kinds.</summary>
    public static Stream OpenContent(LogSource source, out FileStream file)
    {
        file = new FileStream(source.Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1 << 16);
        try
        {
            return source.Kind switch
            {
                LogSourceKind.Gzip => new GZipStream(file, CompressionMode.Decompress),
                LogSourceKind.Utf16LittleEndian => Encoding.CreateTranscodingStream(file, Encoding.Unicode, Encoding.UTF8),
                LogSourceKind.Utf16BigEndian => Encoding.CreateTranscodingStream(file, Encoding.BigEndianUnicode, Encoding.UTF8),
                _ => file,
            };
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        foreach (var (_, handle) in Files)
        {
            handle.Dispose();
        }
    }
}
