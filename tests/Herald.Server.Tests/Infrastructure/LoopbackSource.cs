using System.Net;
using System.Net.Sockets;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests.Infrastructure;

/// <summary>
/// Clients from other loopback addresses (127.0.0.2, …): the whole of 127.0.0.0/8 is this machine, so a test can show
/// that a per-IP limit on one client leaves another client alone without leaving loopback.
/// </summary>
internal static class LoopbackSource
{
    public static HttpClient CreateClient(Uri baseAddress, IPAddress source)
    {
        SocketsHttpHandler handler = new()
        {
            UseProxy = false,
            ConnectTimeout = TestTimeouts.Frame,
            ConnectCallback = async (context, cancellationToken) =>
            {
                Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(source, 0));
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        };
        return new HttpClient(handler) { BaseAddress = baseAddress, Timeout = TestTimeouts.Bulk };
    }
}
