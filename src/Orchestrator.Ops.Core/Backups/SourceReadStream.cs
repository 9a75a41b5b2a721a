using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// A source file as a tar entry's data: exactly <see cref="Length"/> bytes (the size of the open file when it was
/// opened), hashed as they are read, so every file is read once. A file that grows meanwhile is cut at that size;
/// one that shrinks fails naming it, because a tar header already promised the size.
/// </summary>
/// <remarks>Claims to be seekable only so that TarWriter takes <see cref="Length"/> for the header; it never seeks.</remarks>
internal sealed class SourceReadStream(FileStream source, long length, string backupId, Action<long> onRead, CancellationToken cancellationToken) : Stream
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => length;

    public override long Position { get => _read; set => throw new NotSupportedException(); }

    internal long BytesRead => _read;

    internal string Sha256() => BackupManifestJson.Hex(_hash.GetCurrentHash());

    public override int Read(Span<byte> buffer)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wanted = (int)Math.Min(buffer.Length, length - _read);
        if (wanted == 0)
        {
            return 0;
        }

        int n;
        try
        {
            n = source.Read(buffer[..wanted]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new BackupException(BackupFailure.SourceMissing, backupId, source.Name,
                $"Backup '{backupId}': '{source.Name}' could not be read ({e.Message}); nothing was kept.", e);
        }

        if (n == 0)
        {
            throw new BackupException(BackupFailure.SourceMissing, backupId, source.Name,
                $"Backup '{backupId}': '{source.Name}' shrank while it was read ({_read:N0} of {length:N0} bytes); nothing was kept. " +
                "Stop whatever writes it, or back up a snapshot of it.");
        }

        _hash.AppendData(buffer[..n]);
        _read += n;
        onRead(n);
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
