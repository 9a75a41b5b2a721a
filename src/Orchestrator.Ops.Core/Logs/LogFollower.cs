using System.Buffers;
using System.Threading.Channels;
using Microsoft.Win32.SafeHandles;
using Orchestrator.Ops.Core.Reporting;

namespace Orchestrator.Ops.Core.Logs;

/// <summary>
/// Follows one log like <c>tail -F</c>: reads what is appended to its current file, and when that file is replaced
/// (renamed or deleted and created anew by a rotation, a new rolling file of a named log) or shrinks (truncated in
/// place, copytruncate), reads the rest of the old file and goes on with the new one from its start. A missing file
/// is waited for. Polls every <see cref="LogService.FollowPollInterval"/> on the injected clock until cancelled.
/// </summary>
internal sealed class LogFollower(
    LogTarget target,
    string logsFolder,
    LineMatcher<LogEntry> matcher,
    ChannelWriter<LogEntry> output,
    IOpsReporter reporter,
    TimeProvider time,
    TimeSpan poll)
{
    /// <summary>How many bytes of the file's start identify it, where the system cannot tell files apart otherwise.</summary>
    private const int SignatureBytes = 256;

    private readonly byte[] _carry = new byte[LogService.MaxLineBytes];
    private int _carryLength;
    private long _carryFullLength;
    private SafeFileHandle? _handle;
    private string _path = target.CurrentPath;
    private long _position;
    private long? _lineNumber;
    private byte[] _signature = [];
    private LogSource? _source;

    /// <param name="path">The file the first read ended in.</param>
    /// <param name="position">Where in it the first read ended (after its last complete line).</param>
    public async Task RunAsync(string path, long position, CancellationToken ct)
    {
        _path = path;
        _position = position;
        var first = true;
        try
        {
            while (true)
            {
                ct.ThrowIfCancellationRequested();
                if (_handle is null && !TryOpen(first ? position : 0))
                {
                    first = false;
                    await Task.Delay(poll, time, ct).ConfigureAwait(false);
                    continue;
                }

                first = false;
                var length = RandomAccess.GetLength(_handle!);
                if (length < _position)
                {
                    reporter.Verbose($"{_path} shrank from {_position} to {length} bytes (truncated in place); reading it from its start.");
                    await FlushCarryAsync(ct).ConfigureAwait(false);
                    _position = 0;
                    _lineNumber = 1;
                    _signature = [];
                }

                if (length > _position)
                {
                    await ReadAsync(length, ct).ConfigureAwait(false);
                    continue;
                }

                if (Replaced())
                {
                    // Whatever was written to the old file before it was replaced has been read above.
                    await FlushCarryAsync(ct).ConfigureAwait(false);
                    reporter.Verbose($"{_path} was rotated; following the new file.");
                    Close();
                    _path = CurrentPath();
                    continue;
                }

                await Task.Delay(poll, time, ct).ConfigureAwait(false);
            }
        }
        finally
        {
            Close();
        }
    }

    private string CurrentPath() =>
        target.IsName ? LogFileSet.CurrentFile(logsFolder, target.Log, LogFileSet.Siblings(logsFolder, target.Log)) : target.CurrentPath;

    private bool TryOpen(long position)
    {
        _path = CurrentPath();
        try
        {
            _handle = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            reporter.Warning($"Cannot read '{_path}' to follow it: {ex.Message} Trying again.");
            return false;
        }

        _position = Math.Min(position, RandomAccess.GetLength(_handle));
        _lineNumber = position == 0 ? 1 : null;
        _signature = [];
        _source = new LogSource(target.Log, _path, long.MaxValue, time.GetUtcNow().UtcDateTime, LogSourceKind.Plain) { IsCurrent = true };
        return true;
    }

    private void Close()
    {
        _handle?.Dispose();
        _handle = null;
    }

    /// <summary>Whether the path now names another file than the one open (or none).</summary>
    private bool Replaced()
    {
        var current = CurrentPath();
        if (!string.Equals(current, _path, StringComparison.Ordinal))
        {
            return true;
        }

        SafeFileHandle other;
        try
        {
            other = File.OpenHandle(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Gone (deleted or renamed, not yet created again): done with the old file.
            return true;
        }

        using (other)
        {
            if (OperatingSystem.IsLinux() && LinkOf(_handle!) is { } ours && LinkOf(other) is { } theirs)
            {
                return !string.Equals(ours, theirs, StringComparison.Ordinal);
            }

            // Elsewhere: the same file starts with the same bytes; a new one (after a rename) starts otherwise or is shorter.
            if (_signature.Length < SignatureBytes)
            {
                _signature = Head(_handle!);
            }

            var theirHead = Head(other);
            var n = Math.Min(_signature.Length, theirHead.Length);
            return theirHead.Length < _signature.Length || !_signature.AsSpan(0, n).SequenceEqual(theirHead.AsSpan(0, n));
        }
    }

    private static string? LinkOf(SafeFileHandle handle)
    {
        try
        {
            return new FileInfo($"/proc/self/fd/{handle.DangerousGetHandle()}").LinkTarget;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    private static byte[] Head(SafeFileHandle handle)
    {
        var buffer = new byte[SignatureBytes];
        var n = RandomAccess.Read(handle, buffer, 0);
        return buffer[..Math.Max(0, n)];
    }

    private async Task ReadAsync(long length, CancellationToken ct)
    {
        var buffer = ArrayPool<byte>.Shared.Rent(1 << 20);
        try
        {
            while (_position < length)
            {
                ct.ThrowIfCancellationRequested();
                var n = RandomAccess.Read(_handle!, buffer.AsSpan(0, (int)Math.Min(buffer.Length, length - _position)), _position);
                if (n <= 0)
                {
                    break;
                }

                _position += n;
                var lines = Split(buffer.AsSpan(0, n));
                foreach (var entry in lines)
                {
                    await output.WriteAsync(entry, ct).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    /// <summary>Complete lines of the data (with what was carried over), matched; keeps the unfinished last line.</summary>
    private List<LogEntry> Split(ReadOnlySpan<byte> data)
    {
        var entries = new List<LogEntry>();
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            if (nl < 0)
            {
                Carry(data);
                break;
            }

            if (_carryFullLength == 0)
            {
                var line = LineScanner.TrimCr(data[..nl]);
                Match(line, line.Length, entries);
            }
            else
            {
                Carry(data[..nl]);
                var line = _carryFullLength == _carryLength ? LineScanner.TrimCr(_carry.AsSpan(0, _carryLength)) : _carry.AsSpan(0, _carryLength);
                Match(line, _carryFullLength == _carryLength ? line.Length : _carryFullLength, entries);
                _carryLength = 0;
                _carryFullLength = 0;
            }

            data = data[(nl + 1)..];
        }

        return entries;
    }

    private void Carry(ReadOnlySpan<byte> data)
    {
        var room = Math.Min(_carry.Length - _carryLength, data.Length);
        data[..room].CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += room;
        _carryFullLength += data.Length;
    }

    private void Match(ReadOnlySpan<byte> line, long fullLength, List<LogEntry> into)
    {
        var number = _lineNumber;
        if (_lineNumber is not null)
        {
            _lineNumber++;
        }

        if (matcher.TryMatch(_source!, line, Math.Max(fullLength, line.Length), out var entry, out _))
        {
            into.Add(entry with { LineNumber = number });
        }
    }

    /// <summary>The old file's last line had no line break when the file was replaced: it is complete now.</summary>
    private async Task FlushCarryAsync(CancellationToken ct)
    {
        if (_carryFullLength == 0)
        {
            return;
        }

        var entries = new List<LogEntry>();
        Match(_carry.AsSpan(0, _carryLength), _carryFullLength, entries);
        _carryLength = 0;
        _carryFullLength = 0;
        foreach (var e in entries)
        {
            await output.WriteAsync(e, ct).ConfigureAwait(false);
        }
    }
}
