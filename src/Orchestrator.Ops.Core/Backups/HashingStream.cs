using System.Security.Cryptography;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>Passes reads or writes through to an inner stream, counting and (optionally) hashing the bytes.</summary>
internal sealed class HashingStream(Stream inner, bool hash) : Stream
{
    private readonly IncrementalHash? _hash = hash ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256) : null;

    internal long Count { get; private set; }

    public override bool CanRead => inner.CanRead;

    public override bool CanSeek => false;

    public override bool CanWrite => inner.CanWrite;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => Count; set => throw new NotSupportedException(); }

    /// <summary>The SHA-256 of every byte so far, lower-case hex.</summary>
    internal string Sha256() =>
        BackupManifestJson.Hex((_hash ?? throw new InvalidOperationException("This stream does not hash.")).GetCurrentHash());

    public override int Read(Span<byte> buffer)
    {
        var n = inner.Read(buffer);
        _hash?.AppendData(buffer[..n]);
        Count += n;
        return n;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        inner.Write(buffer);
        _hash?.AppendData(buffer);
        Count += buffer.Length;
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Flush() => inner.Flush();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash?.Dispose();
        }

        base.Dispose(disposing);
    }
}
