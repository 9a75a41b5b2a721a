using System.Buffers;
using System.Globalization;
using System.Net;
using System.Text;

namespace Orchestrator.Ops.Core.LogWriting;

/// <summary>
/// The gateway's access.log: one line per proxied request, in the layout of the other logs
/// (<c>2026-11-27 22:40:01.123Z [INFO] access 127.0.0.1 "GET /routellm/v1/operation" 200 1.234 wrapper=routellm slot=blue fallback=false</c>).
/// It takes a line per request, so it skips a general logger's per-event objects: the caller formats its line on
/// the stack and copies it into a shared buffer under a short lock, and a background thread writes the buffer to the
/// file (opened by this process only) every second, or sooner when 256 KB are waiting, without an fsync per write (as
/// web servers write their access logs). Callers wait, rather than lines being dropped, if 8 MB are waiting. Disposing
/// writes everything and flushes it to disk. Before each write the thread checks that the file at the path is still the
/// one it writes: after logrotate moved it away (<c>create</c>, or no file at all) or emptied it in place
/// (<c>copytruncate</c>) it reopens the path, so no signal or restart is needed and a truncated file gets no hole.
/// </summary>
public sealed class AccessLogWriter : IDisposable
{
    private const int WakeAt = 256 * 1024;
    private const int MaxWaiting = 8 * 1024 * 1024;
    private const int StackLine = 512;

    private readonly object _lock = new();
    private FileStream _file;
    private readonly Thread _thread;
    private readonly AutoResetEvent _wake = new(false);
    private readonly TimeSpan _interval;
    private char[] _waiting = new char[WakeAt * 2];
    private char[] _writing = new char[WakeAt * 2];
    private byte[] _bytes = new byte[Encoding.UTF8.GetMaxByteCount(WakeAt * 2)];
    private int _length;
    private bool _stopping;
    private bool _disposed;

    public AccessLogWriter(string logsFolder, TimeSpan? interval = null)
    {
        Directory.CreateDirectory(logsFolder);
        Path = System.IO.Path.Combine(logsFolder, "access.log");
        _interval = interval ?? TimeSpan.FromSeconds(1);
        _file = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        _thread = new Thread(WriteLoop) { IsBackground = true, Name = "access.log writer" };
        _thread.Start();
    }

    /// <summary>The file's full path.</summary>
    public string Path { get; }

    /// <summary>Queues one request's line. <paramref name="path"/> must already be escaped (no query string, no raw quotes or newlines).</summary>
    public void Write(DateTimeOffset at, IPAddress? client, string method, string path, int status, double durationMs, string wrapper, string slot, bool fallback)
    {
        var most = 200 + method.Length + path.Length + wrapper.Length + slot.Length;
        char[]? rented = null;
        var line = most <= StackLine ? stackalloc char[StackLine] : (rented = ArrayPool<char>.Shared.Rent(most));
        try
        {
            var n = Format(line, at, client, method, path, status, durationMs, wrapper, slot, fallback);
            Append(line[..n]);
        }
        finally
        {
            if (rented is not null)
            {
                ArrayPool<char>.Shared.Return(rented);
            }
        }
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            _stopping = true;
            Monitor.PulseAll(_lock);
        }

        _wake.Set();
        _thread.Join();
        try
        {
            _file.Flush(flushToDisk: true);
        }
        catch (IOException)
        {
            // As in the write loop: a failing disk loses lines, never the caller.
        }

        _file.Dispose();
        _wake.Dispose();
    }

    private static int Format(Span<char> s, DateTimeOffset at, IPAddress? client, string method, string path, int status, double durationMs, string wrapper, string slot, bool fallback)
    {
        var inv = CultureInfo.InvariantCulture;
        at.UtcDateTime.TryFormat(s, out var n, "yyyy-MM-dd HH:mm:ss.fff", inv);
        n += Copy(s[n..], "Z [INFO] access ");
        if (client is null || !client.TryFormat(s[n..], out var w))
        {
            w = Copy(s[n..], "-");
        }

        n += w;
        n += Copy(s[n..], " \"");
        n += Copy(s[n..], method);
        s[n++] = ' ';
        n += Copy(s[n..], path);
        n += Copy(s[n..], "\" ");
        status.TryFormat(s[n..], out w, default, inv);
        n += w;
        s[n++] = ' ';
        durationMs.TryFormat(s[n..], out w, "0.###", inv);
        n += w;
        n += Copy(s[n..], " wrapper=");
        n += Copy(s[n..], wrapper);
        n += Copy(s[n..], " slot=");
        n += Copy(s[n..], slot);
        n += Copy(s[n..], fallback ? " fallback=true\n" : " fallback=false\n");
        return n;
    }

    private static int Copy(Span<char> to, ReadOnlySpan<char> text)
    {
        text.CopyTo(to);
        return text.Length;
    }

    private void Append(ReadOnlySpan<char> line)
    {
        lock (_lock)
        {
            while (_length + line.Length > MaxWaiting && !_stopping)
            {
                _wake.Set();
                Monitor.Wait(_lock);
            }

            if (_disposed)
            {
                throw new ObjectDisposedException(nameof(AccessLogWriter));
            }

            if (_length + line.Length > _waiting.Length)
            {
                Array.Resize(ref _waiting, Math.Max(_waiting.Length * 2, _length + line.Length));
            }

            line.CopyTo(_waiting.AsSpan(_length));
            var before = _length;
            _length += line.Length;
            if (before < WakeAt && _length >= WakeAt)
            {
                _wake.Set();
            }
        }
    }

    // Only this process writes the file, so while it is ours the file at the path is exactly as long as what we wrote.
    // Shorter (a new file after a move, or the same one truncated) or missing means it was rotated: open the path again
    // and append from its current end.
    private void ReopenIfRotated()
    {
        var info = new FileInfo(Path);
        if (info.Exists && info.Length >= _file.Position)
        {
            return;
        }

        var next = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
        var old = _file;
        _file = next;
        old.Dispose();
    }

    private void WriteLoop()
    {
        while (true)
        {
            _wake.WaitOne(_interval);
            int count;
            bool stop;
            lock (_lock)
            {
                (_waiting, _writing) = (_writing, _waiting);
                (count, _length) = (_length, 0);
                stop = _stopping;
                Monitor.PulseAll(_lock);
            }

            if (count > 0)
            {
                var chars = _writing.AsSpan(0, count);
                var need = Encoding.UTF8.GetMaxByteCount(count);
                if (_bytes.Length < need)
                {
                    _bytes = new byte[need];
                }

                var bytes = Encoding.UTF8.GetBytes(chars, _bytes);
                try
                {
                    ReopenIfRotated();
                    _file.Write(_bytes, 0, bytes);

                    // Into the OS's hands: what was written survives a crash of this process. Disposing forces it to
                    // disk; an fsync per write forced a journal commit a dozen times a second under load.
                    _file.Flush(flushToDisk: false);
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                    // A full or failing disk, or a path we may no longer open after a rotation, loses these lines, not
                    // the gateway: requests never wait on the file. The next write tries the path again.
                }
            }

            if (stop)
            {
                return;
            }
        }
    }
}
