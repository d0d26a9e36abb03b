using System.Buffers;
using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// One subscriber on a raw socket: <c>GET /streams/{name}</c>, or <c>GET /subscribe</c> following several streams. It
/// de-chunks the HTTP/1.1 body and scans SSE lines in place (no strings, no per-event allocation), checks that each
/// stream's IDs go up by exactly 1 (<see cref="IdSequence"/>; on a composite cursor, <see cref="CompositeCursorCheck"/>),
/// and records publish→receive latency from the stamp in the data line. An idle subscriber holds no buffer: it waits
/// with a zero-byte read and rents one only when bytes arrive.
/// </summary>
internal sealed class SseSubscriber : IDisposable
{
    private const int BufferSize = 32 * 1024;

    private readonly Socket _socket;
    private readonly LatencyHistogram? _latency;
    private readonly byte[]? _ownBuffer;
    private readonly ChunkedSseScanner _scanner;
    private readonly TaskCompletionSource _reached = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly IdSequence[] _sequences;
    private readonly int[] _streamIndexes;
    private readonly CompositeCursorCheck? _composite;
    private long _target = long.MaxValue;

    private SseSubscriber(Socket socket, LatencyHistogram? latency, bool pooled, int[] streamIndexes, CompositeCursorCheck? composite)
    {
        _socket = socket;
        _latency = latency;
        _ownBuffer = pooled ? null : new byte[BufferSize];
        _scanner = new ChunkedSseScanner(OnEvent);
        _streamIndexes = streamIndexes;
        _composite = composite;
        _sequences = composite?.Sequences ?? [new IdSequence()];
    }

    /// <summary>The last ID received on a one-stream subscription (the highest one, if they came out of order).</summary>
    public long LastId => _sequences[0].LastId;

    /// <summary>Events received (frames with an ID), over every stream this subscriber follows.</summary>
    public long Received { get; private set; }

    /// <summary>When the first event arrived (<see cref="System.Diagnostics.Stopwatch.GetTimestamp"/>), 0 before it.</summary>
    public long FirstEventTimestamp { get; private set; }

    /// <summary>Bytes of response body and head read from the socket.</summary>
    public long BytesReceived { get; private set; }

    /// <summary>IDs skipped, over every stream: an event arrived whose ID is more than its stream's previous one plus 1.</summary>
    public long Missing => _sequences.Sum(s => s.Missing);

    public long Duplicates => _sequences.Sum(s => s.Duplicates);

    public long OutOfOrder => _sequences.Sum(s => s.OutOfOrder);

    /// <summary>Composite IDs that were not a cursor of the subscribed streams, or moved more than one pair.</summary>
    public long BadIds => _composite?.BadIds ?? 0;

    /// <summary>Frames named <c>gap</c> or <c>reset</c> (the server telling the subscriber history is gone).</summary>
    public long Notices => _scanner.Notices;

    /// <summary>Set when the server ended the response or the connection broke before the run stopped it.</summary>
    public bool Ended { get; private set; }

    /// <summary>
    /// Connects to one stream and sends the subscribe request; the response is read by <see cref="ReadAsync"/>.
    /// <c>streamIndex</c> is the stream's index among the run's streams (for <see cref="Behind"/>).
    /// </summary>
    public static async Task<SseSubscriber> ConnectAsync(Uri server, string stream, int streamIndex, long? lastEventId, LatencyHistogram? latency, bool pooled, CancellationToken cancellationToken)
    {
        string resume = lastEventId is long id ? $"Last-Event-ID: {id}\r\n" : "";
        Socket socket = await SendRequestAsync(server, $"/streams/{stream}", resume, cancellationToken).ConfigureAwait(false);
        return new SseSubscriber(socket, latency, pooled, [streamIndex], composite: null);
    }

    /// <summary>
    /// Connects to <c>GET /subscribe?stream=…</c> following <paramref name="streams"/> (the run's streams 0 … n-1, in that
    /// order): every one resumed from 0 with a composite <c>Last-Event-ID</c>, or, when <paramref name="fromStart"/> is
    /// false, a live start (no <c>Last-Event-ID</c>), as an idle subscriber that wants only what comes next connects.
    /// </summary>
    public static async Task<SseSubscriber> ConnectManyAsync(Uri server, IReadOnlyList<string> streams, bool fromStart, LatencyHistogram? latency, bool pooled, CancellationToken cancellationToken)
    {
        string query = string.Join('&', streams.Select(s => "stream=" + s));
        string resume = fromStart ? $"Last-Event-ID: {string.Join(',', streams.Select(s => s + ":0"))}\r\n" : "";
        Socket socket = await SendRequestAsync(server, $"/subscribe?{query}", resume, cancellationToken).ConfigureAwait(false);
        return new SseSubscriber(socket, latency, pooled, [.. Enumerable.Range(0, streams.Count)], new CompositeCursorCheck(streams));
    }

    /// <summary>Acknowledged events this subscriber has not received yet; <paramref name="acknowledged"/> holds the last ID of each of the run's streams.</summary>
    public long Behind(IReadOnlyList<long> acknowledged)
    {
        long behind = 0;
        for (int i = 0; i < _sequences.Length; i++)
        {
            behind += Math.Max(0, acknowledged[_streamIndexes[i]] - _sequences[i].LastId);
        }

        return behind;
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
                    BytesReceived += read;
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
                        BytesReceived += read;
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

                // ReachedAsync is called once the connection is open, so while this loop runs: look again once per read,
                // fenced, so that a target set just after the last event's own check is not missed by both sides.
                Interlocked.MemoryBarrier();
                if (LastId >= Volatile.Read(ref _target))
                {
                    _reached.TrySetResult();
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
                BytesReceived += read;
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

    private static async Task<Socket> SendRequestAsync(Uri server, string target, string resume, CancellationToken cancellationToken)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken).ConfigureAwait(false);
            byte[] request = Encoding.ASCII.GetBytes($"GET {target} HTTP/1.1\r\nHost: {server.Authority}\r\nAccept: text/event-stream\r\n{resume}\r\n");
            await socket.SendAsync(request, SocketFlags.None, cancellationToken).ConfigureAwait(false);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private void OnEvent(ReadOnlySpan<byte> id, long stamp)
    {
        if (_composite is not null)
        {
            _composite.Observe(id);
        }
        else if (Utf8Parser.TryParse(id, out long plain, out int digits) && digits == id.Length && plain > 0)
        {
            _sequences[0].Observe(plain);
        }
        else
        {
            return; // not an ID this bench published: ignore the frame
        }

        if (Received++ == 0)
        {
            FirstEventTimestamp = System.Diagnostics.Stopwatch.GetTimestamp();
        }

        if (stamp != 0)
        {
            _latency?.RecordSince(stamp);
        }

        if (LastId >= Volatile.Read(ref _target))
        {
            _reached.TrySetResult();
        }
    }

    /// <summary>Completes once an event with ID <paramref name="id"/> or more has arrived, or the response ended; the reader may already be running.</summary>
    public Task ReachedAsync(long id)
    {
        Interlocked.Exchange(ref _target, id);
        if (LastId >= id)
        {
            _reached.TrySetResult(); // it arrived before the target was set
        }

        return _reached.Task;
    }
}
