using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Herald.Bench.Verify;

/// <summary>
/// An HTTP handler whose TCP connections can be cut from outside, as a flaky network would: <see cref="DropAll"/> shuts
/// down every open socket, so a request or an SSE body in flight fails with an I/O error mid-stream and the client has to
/// recover by itself (resume by Last-Event-ID, retry the publish with the same Idempotency-Key).
/// </summary>
internal sealed class DroppableConnections
{
    private readonly ConcurrentDictionary<Socket, byte> _open = new();

    public SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AutomaticDecompression = DecompressionMethods.None,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        ConnectCallback = ConnectAsync,
    };

    /// <summary>Cuts every open connection; returns how many there were.</summary>
    public int DropAll()
    {
        int dropped = 0;
        foreach (Socket socket in _open.Keys)
        {
            try
            {
                // Both directions: the client's pending read returns end-of-stream at once, mid-frame or mid-response.
                socket.Shutdown(SocketShutdown.Both);
                dropped++;
            }
            catch (SocketException)
            {
            }
            catch (ObjectDisposedException)
            {
            }
        }

        return dropped;
    }

    private async ValueTask<Stream> ConnectAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(context.DnsEndPoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        _open.TryAdd(socket, 0);
        return new TrackedStream(socket, this);
    }

    /// <summary>Forgets its socket when the connection pool disposes it.</summary>
    private sealed class TrackedStream : NetworkStream
    {
        private readonly DroppableConnections _owner;

        public TrackedStream(Socket socket, DroppableConnections owner)
            : base(socket, ownsSocket: true) => _owner = owner;

        protected override void Dispose(bool disposing)
        {
            _owner._open.TryRemove(Socket, out _);
            base.Dispose(disposing);
        }
    }
}
