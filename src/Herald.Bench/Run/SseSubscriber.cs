using System.Buffers;
using System.Net.Sockets;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// One subscriber on a raw socket. It de-chunks the HTTP/1.1 body and scans SSE lines in place (no strings, no
/// per-event allocation), checks that IDs go up by exactly 1, and records publish→receive latency from the stamp in the
/// data line. An idle subscriber holds no buffer: it waits with a zero-byte read and rents one only when bytes arrive.
/// </summary>
internal sealed class SseSubscriber : IDisposable
{
    private const int BufferSize = 32 * 1024;

    private readonly Socket _socket;
    private readonly LatencyHistogram? _latency;
    private readonly byte[]? _ownBuffer;
    private readonly ChunkedSseScanner _scanner;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _target = long.MaxValue;

    private SseSubscriber(Socket socket, LatencyHistogram? latency, bool pooled)
    {
        _socket = socket;
        _latency = latency;
        _ownBuffer = pooled ? null : new byte[BufferSize];
        _scanner = new ChunkedSseScanner(OnEvent);
    }

    /// <summary>The last ID received (the highest one, if they came out of order).</summary>
    public long LastId { get; private set; }

    public long Received { get; private set; }

    /// <summary>IDs skipped: an event arrived whose ID is more than the previous one plus 1.</summary>
    public long Missing { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    /// <summary>Frames named <c>gap</c> or <c>reset</c> (the server telling the subscriber history is gone).</summary>
    public long Notices => _scanner.Notices;

    /// <summary>Set when the server ended the response or the connection broke before the run stopped it.</summary>
    public bool Ended { get; private set; }

    /// <summary>Connects and sends the subscribe request; the response is read by <see cref="ReadAsync"/>.</summary>
    public static async Task<SseSubscriber> ConnectAsync(Uri server, string stream, long? lastEventId, LatencyHistogram? latency, bool pooled, CancellationToken cancellationToken)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken).ConfigureAwait(false);
            string resume = lastEventId is long id ? $"Last-Event-ID: {id}\r\n" : "";
            byte[] request = Encoding.ASCII.GetBytes($"GET /streams/{stream} HTTP/1.1\r\nHost: {server.Authority}\r\nAccept: text/event-stream\r\n{resume}\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new SseSubscriber(socket, latency, pooled);
    }

    /// <summary>Reads the response head (must be 200), then the event stream until the server ends it or the token fires.</summary>
    public async Task ReadAsync(TaskCompletionSource? headersRead, CancellationToken cancellationToken)
    {
        try
        {
            await ReadHeadAsync(cancellationToken).ConfigureAwait(false);
            headersRead?.TrySetResult();
            while (!_scanner.Finished)
            {
                int read;
                if (_ownBuffer is not null)
                {
                    read = await _socket.ReceiveAsync(_ownBuffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    _scanner.Feed(_ownBuffer.AsSpan(0, read));
                }
                else
                {
                    // Wait for readiness without holding memory, then read what is there into a shared buffer.
                    await _socket.ReceiveAsync(Memory<byte>.Empty, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                    byte[] rented = ArrayPool<byte>.Shared.Rent(BufferSize);
                    try
                    {
                        read = await _socket.ReceiveAsync(rented, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                        _scanner.Feed(rented.AsSpan(0, read));
                    }
                    finally
                    {
                        ArrayPool<byte>.Shared.Return(rented);
                    }
                }

                if (read == 0)
                {
                    break;
                }
            }

            Ended = !cancellationToken.IsCancellationRequested;
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
            Ended = !cancellationToken.IsCancellationRequested;
            headersRead?.TrySetException(e);
        }
        finally
        {
            _reached.TrySetResult();
        }
    }

    public void Dispose() => _socket.Dispose();

    private async Task ReadHeadAsync(CancellationToken cancellationToken)
    {
        byte[] head = ArrayPool<byte>.Shared.Rent(4096);
        try
        {
            int length = 0;
            int end;
            while ((end = head.AsSpan(0, length).IndexOf("\r\n\r\n"u8)) < 0)
            {
                if (length == head.Length)
                {
                    throw new IOException("The response head is larger than 4 KiB.");
                }

                int read = await _socket.ReceiveAsync(head.AsMemory(length), SocketFlags.None, cancellationToken).ConfigureAwait(false);
                if (read == 0)
                {
                    throw new IOException("The server closed the connection before answering.");
                }

                length += read;
            }

            ReadOnlySpan<byte> status = head.AsSpan(0, end);
            if (!status.StartsWith("HTTP/1.1 200"u8))
            {
                int lineEnd = status.IndexOf("\r\n"u8);
                throw new IOException($"Subscribe answered '{Encoding.ASCII.GetString(lineEnd < 0 ? status : status[..lineEnd])}'.");
            }

            bool chunked = status.IndexOf("chunked"u8) >= 0;
            _scanner.Start(chunked);
            _scanner.Feed(head.AsSpan(end + 4, length - end - 4));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(head);
        }
    }

    private void OnEvent(long id, long stamp)
    {
        Received++;
        if (id == LastId + 1)
        {
            LastId = id;
        }
        else if (id == LastId)
        {
            Duplicates++;
        }
        else if (id < LastId)
        {
            OutOfOrder++;
        }
        else
        {
            Missing += id - LastId - 1;
            LastId = id;
        }

        if (stamp != 0)
        {
            _latency?.RecordSince(stamp);
        }

        if (LastId >= _target)
        {
            _reached.TrySetResult();
        }
    }

    /// <summary>Completes once an event with ID <paramref name="id"/> or more has arrived, or the response ended. Call before reading.</summary>
    public Task ReachedAsync(long id)
    {
        _target = id;
        return _reached.Task;
    }
}
