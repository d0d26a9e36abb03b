using System.Buffers;

namespace Herald.Benchmarks;

/// <summary>
/// Where both encoders write: a fixed buffer that starts over once full, as a connection's pipe segments are reused once
/// the socket has sent them. Its size is the cursor's flush bound (256 KiB), so the bytes stay in cache as they do in a
/// server, and neither side is measured copying megabytes to main memory. A <see cref="Stream"/> for SseFormatter, an
/// <see cref="IBufferWriter{T}"/> for Herald; both copy every byte of every frame into it.
/// </summary>
internal sealed class RecyclingBuffer : Stream, IBufferWriter<byte>
{
    private const int Size = 256 * 1024;
    private readonly byte[] _buffer = new byte[Size + (64 * 1024)]; // + the largest frame benchmarked, so one always fits
    private int _at;

    public long Written { get; private set; }

    public override bool CanRead => false;

    public override bool CanSeek => false;

    public override bool CanWrite => true;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public void Advance(int count)
    {
        _at += count;
        Written += count;
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => _buffer.AsMemory(Reserve(sizeHint));

    public Span<byte> GetSpan(int sizeHint = 0) => _buffer.AsSpan(Reserve(sizeHint));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        buffer.CopyTo(_buffer.AsSpan(Reserve(buffer.Length)));
        Advance(buffer.Length);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }

    public override void Flush()
    {
    }

    public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    private int Reserve(int sizeHint)
    {
        if (_at + Math.Max(sizeHint, 1) > Size)
        {
            _at = 0;
        }

        return _at;
    }
}
