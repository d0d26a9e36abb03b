using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Bench.Run;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests.Run;

/// <summary>
/// <see cref="SseSubscriber.ReachedAsync"/> is called once the connection is open, while the subscriber already reads
/// (the catch-up run does so): an ID that arrived before the call must complete it, not leave it waiting for an event
/// that never comes. A catch-up warm-up against the baseline timed out after a minute in CI exactly so.
/// </summary>
public sealed class SseSubscriberReachedTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Reached_ForAnIdThatArrivedBeforeTheCall_CompletesWhileTheResponseStaysOpen()
    {
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        Uri server = new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        Task<Socket> serving = ServeThreeEventsAndStayOpenAsync(listener, guard.Token);
        using SseSubscriber subscriber = await SseSubscriber.ConnectAsync(server, "s", streamIndex: 0, lastEventId: 0, latency: null, pooled: false, guard.Token);
        Task reading = subscriber.ReadAsync(headersRead: null, guard.Token);
        using Socket open = await serving;
        while (subscriber.LastId < 3)
        {
            await Task.Delay(10, guard.Token);
        }

        await subscriber.ReachedAsync(3).WaitAsync(HangGuard); // the response is still open: only the ID can complete it
        Assert.False(reading.IsCompleted);

        await guard.CancelAsync();
        await reading.WaitAsync(HangGuard);
    }

    private static async Task<Socket> ServeThreeEventsAndStayOpenAsync(TcpListener listener, CancellationToken cancellationToken)
    {
        Socket socket = await listener.AcceptSocketAsync(cancellationToken);
        byte[] buffer = new byte[16 * 1024];
        int length = 0;
        while (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            Assert.NotEqual(0, read);
            length += read;
        }

        StringBuilder body = new("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\nretry: 3000\n\n");
        for (int id = 1; id <= 3; id++)
        {
            body.Append("id: ").Append(id).Append("\ndata: {\"t\":\"0000000000000000000\",\"pad\":\"x\"}\n\n");
        }

        await socket.SendAsync(Encoding.ASCII.GetBytes(body.ToString()), SocketFlags.None, cancellationToken);
        return socket; // not closed: the response goes on, as a live subscription does
    }
}
