namespace Herald.Client;

/// <summary>
/// A read-only view of an SSE response body that gives up when nothing at all arrives for too long. The server sends a
/// heartbeat comment on idle streams (docs/protocol.md: every 15 s by default), so silence well beyond that means a half-open
/// connection — a peer that vanished without a FIN, a proxy that stopped forwarding — which TCP alone may not notice
/// for many minutes. Ending the read lets the subscription reconnect and resume.
/// </summary>
/// <remarks>
/// One timer per connection, made by the client's <see cref="TimeProvider"/> and re-armed for each read, so a read
/// allocates nothing (a linked token per read would) and tests can drive the timeout with a fake clock. When it fires
/// during a read it disposes the inner stream: that is how a pending socket read is ended without a token of its own
/// (SocketsHttpHandler cancels reads the same way), and the connection is being given up anyway.
/// </remarks>
internal sealed class IdleTimeoutStream : Stream
{
    private const int Idle = 0;
    private const int Reading = 1;
    private const int Expired = 2;

    private readonly Stream _inner;
    private readonly TimeSpan _timeout;
    private readonly ITimer? _timer;
    private int _state = Idle;

    public IdleTimeoutStream(Stream inner, TimeSpan timeout, TimeProvider timeProvider)
    {
        _inner = inner;
        _timeout = timeout;
        if (timeout != Timeout.InfiniteTimeSpan)
        {
            // Created disarmed; each read arms it and disarms it when data (or an error) arrives.
            _timer = timeProvider.CreateTimer(static self => ((IdleTimeoutStream)self!).OnIdle(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Whether the connection was given up because of the idle timeout.</summary>
    public bool TimedOut => Volatile.Read(ref _state) == Expired;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => throw new NotSupportedException();
        set => throw new NotSupportedException();
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_timer is null)
        {
            return await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        if (Interlocked.CompareExchange(ref _state, Reading, Idle) != Idle)
        {
            // Expired: the inner stream is disposed. (Reading would mean overlapping reads, which a stream does not allow.)
            throw TimedOut ? IdleError(null) : new InvalidOperationException("Another read is in progress.");
        }

        // Armed only while waiting: the clock measures the peer's silence, not how long the consumer takes between reads.
        _timer.Change(_timeout, Timeout.InfiniteTimeSpan);
        try
        {
            int read = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (read == 0 && TimedOut)
            {
                // Disposing a socket under a pending read may end it as a clean end of stream rather than an error:
                // it was the timeout, not the server closing the response.
                throw IdleError(null);
            }

            return read;
        }
        catch (Exception ex) when (TimedOut && !cancellationToken.IsCancellationRequested && ex is OperationCanceledException or IOException or ObjectDisposedException)
        {
            throw IdleError(ex);
        }
        finally
        {
            _timer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            Interlocked.CompareExchange(ref _state, Idle, Reading);
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("Read asynchronously.");

    private void OnIdle()
    {
        // Only a read still waiting is ended; a timer that fires just after its read returned finds the stream idle.
        if (Interlocked.CompareExchange(ref _state, Expired, Reading) == Reading)
        {
            _inner.Dispose();
        }
    }

    private IOException IdleError(Exception? inner) =>
        new($"Nothing arrived on the SSE connection for {_timeout.TotalSeconds:0.###} s; treating it as dead.", inner);

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
            _timer?.Dispose();
            _inner.Dispose();
        }

        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_timer is not null)
        {
            await _timer.DisposeAsync().ConfigureAwait(false);
        }

        await _inner.DisposeAsync().ConfigureAwait(false);
        await base.DisposeAsync().ConfigureAwait(false);
    }
}
