using System.Buffers;
using System.Collections.Concurrent;

namespace Orchestrator.Ops.Core.Backups;

/// <summary>
/// A bounded in-memory pipe between two threads, so that reading and hashing files runs on one core while
/// (de)compression runs on the other. The writer fills pooled chunks; the reader drains them. Either side can
/// <see cref="Abort"/>, which unblocks the other with an <see cref="OperationCanceledException"/>; the writer can
/// instead end with an error, which the reader sees as an <see cref="IOException"/> exactly where the data stops.
/// </summary>
internal sealed class ChunkPipe : IDisposable
{
    private const int ChunkSize = 256 * 1024;

    private readonly BlockingCollection<Chunk> _chunks;
    private readonly CancellationTokenSource _abort;
    private Exception? _writerError;

    internal ChunkPipe(CancellationToken cancellationToken, int capacity = 8)
    {
        _chunks = new BlockingCollection<Chunk>(new ConcurrentQueue<Chunk>(), capacity);
        _abort = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Writer = new WriteEnd(this);
        Reader = new ReadEnd(this);
    }

    /// <summary>Write side; disposing it completes the pipe.</summary>
    internal Stream Writer { get; }

    internal Stream Reader { get; }

    internal void Abort()
    {
        try
        {
            _abort.Cancel();
        }
        catch (ObjectDisposedException)
        {
        }
    }

    /// <summary>Ends the data; with an error the reader throws it (wrapped) after the data already sent.</summary>
    internal void Complete(Exception? error = null)
    {
        _writerError ??= error;
        if (!_chunks.IsAddingCompleted)
        {
            _chunks.CompleteAdding();
        }
    }

    public void Dispose()
    {
        _abort.Dispose();
        _chunks.Dispose();
    }

    private readonly record struct Chunk(byte[] Buffer, int Count);

    private sealed class WriteEnd(ChunkPipe pipe) : Stream
    {
        private byte[]? _buffer;
        private int _count;
        private bool _closed;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            while (!buffer.IsEmpty)
            {
                _buffer ??= ArrayPool<byte>.Shared.Rent(ChunkSize);
                var n = Math.Min(buffer.Length, _buffer.Length - _count);
                buffer[..n].CopyTo(_buffer.AsSpan(_count));
                _count += n;
                buffer = buffer[n..];
                if (_count == _buffer.Length)
                {
                    Publish();
                }
            }
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        // Flush is a no-op on purpose: compressors and TarWriter flush often, and tiny chunks would only cost.
        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing && !_closed)
            {
                _closed = true;
                if (!pipe._abort.IsCancellationRequested)
                {
                    Publish();
                }

                pipe.Complete();
            }

            base.Dispose(disposing);
        }

        private void Publish()
        {
            if (_buffer is null || _count == 0)
            {
                return;
            }

            var chunk = new Chunk(_buffer, _count);
            _buffer = null;
            _count = 0;
            pipe._chunks.Add(chunk, pipe._abort.Token);
        }
    }

    private sealed class ReadEnd(ChunkPipe pipe) : Stream
    {
        private Chunk _current;
        private int _offset;

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override int Read(Span<byte> buffer)
        {
            if (buffer.IsEmpty)
            {
                return 0;
            }

            while (_current.Buffer is null || _offset == _current.Count)
            {
                if (_current.Buffer is not null)
                {
                    ArrayPool<byte>.Shared.Return(_current.Buffer);
                    _current = default;
                }

                if (!pipe._chunks.TryTake(out var next, Timeout.Infinite, pipe._abort.Token))
                {
                    if (pipe._writerError is { } error)
                    {
                        throw new IOException(error.Message, error);
                    }

                    return 0;
                }

                _current = next;
                _offset = 0;
            }

            var n = Math.Min(buffer.Length, _current.Count - _offset);
            _current.Buffer.AsSpan(_offset, n).CopyTo(buffer);
            _offset += n;
            return n;
        }

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
