using System.Net;
using System.Net.Sockets;
using System.Text;
using Herald.Bench.Run;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests.Run;

/// <summary>
/// A <c>GET /subscribe</c> subscriber of the bench against a scripted server on loopback: the request it sends, and what it
/// counts when the response is exact and when one event is lost and another repeated. The body is sent in 7-byte chunks,
/// so every <c>id:</c> line is split across chunks and reads, and the cursors are longer than the scanner's first buffer.
/// </summary>
public sealed class CompositeSubscriberTests
{
    private static readonly string[] s_streams = ["orders-eu-west", "prices-eu-west"];

    [Fact]
    public async Task An_exact_composite_response_counts_every_event_once_per_stream()
    {
        (SseSubscriber subscriber, string request) = await SubscribeAsync(
            "orders-eu-west:1,prices-eu-west:0",
            "orders-eu-west:1,prices-eu-west:1",
            "orders-eu-west:2,prices-eu-west:1",
            "orders-eu-west:2,prices-eu-west:2");
        using (subscriber)
        {
            Assert.StartsWith("GET /subscribe?stream=orders-eu-west&stream=prices-eu-west HTTP/1.1\r\n", request, StringComparison.Ordinal);
            Assert.Contains("\r\nLast-Event-ID: orders-eu-west:0,prices-eu-west:0\r\n", request, StringComparison.Ordinal);
            Assert.Equal(4, subscriber.Received);
            Assert.Equal(0, subscriber.Missing + subscriber.Duplicates + subscriber.OutOfOrder + subscriber.BadIds);
            Assert.Equal(0, subscriber.Behind([2, 2]));
            Assert.Equal(1, subscriber.Behind([3, 2])); // an acknowledged event that never came is counted as behind
            Assert.True(subscriber.Ended);
        }
    }

    [Fact]
    public async Task A_lost_event_and_a_repeated_one_are_counted_against_their_streams()
    {
        (SseSubscriber subscriber, _) = await SubscribeAsync(
            "orders-eu-west:1,prices-eu-west:0",
            "orders-eu-west:1,prices-eu-west:1",
            "orders-eu-west:1,prices-eu-west:1", // prices 1 again
            "orders-eu-west:3,prices-eu-west:1", // orders 2 lost
            "orders-eu-west:3,prices-eu-west:2");
        using (subscriber)
        {
            Assert.Equal(5, subscriber.Received);
            Assert.Equal(1, subscriber.Missing);
            Assert.Equal(1, subscriber.Duplicates);
            Assert.Equal(0, subscriber.OutOfOrder);
            Assert.Equal(0, subscriber.BadIds);
        }
    }

    [Fact]
    public async Task A_frame_that_moves_two_pairs_is_a_bad_id()
    {
        (SseSubscriber subscriber, _) = await SubscribeAsync("orders-eu-west:1,prices-eu-west:1");
        using (subscriber)
        {
            Assert.Equal(1, subscriber.BadIds);
        }
    }

    // Serves one chunked SSE response (retry, hello, then one event per cursor) and ends it; returns the request it read.
    private static async Task<(SseSubscriber Subscriber, string Request)> SubscribeAsync(params string[] cursors)
    {
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);
        using TcpListener listener = new(IPAddress.Loopback, 0);
        listener.Start();
        Uri server = new($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}");
        StringBuilder body = new("retry: 3000\n\nevent: hello\ndata: {\"epoch\":\"e\",\"streams\":[]}\n\n");
        foreach (string cursor in cursors)
        {
            body.Append("id: ").Append(cursor).Append("\ndata: {\"t\":\"0000000000000000000\",\"pad\":\"x\"}\n\n");
        }

        Task<string> serving = ServeAsync(listener, Encoding.UTF8.GetBytes(body.ToString()), guard.Token);
        SseSubscriber subscriber = await SseSubscriber.ConnectManyAsync(server, s_streams, fromStart: true, latency: null, pooled: false, guard.Token);
        await subscriber.ReadAsync(headersRead: null, guard.Token);
        return (subscriber, await serving);
    }

    private static async Task<string> ServeAsync(TcpListener listener, byte[] body, CancellationToken cancellationToken)
    {
        using Socket socket = await listener.AcceptSocketAsync(cancellationToken);
        byte[] buffer = new byte[16 * 1024];
        int length = 0;
        while (buffer.AsSpan(0, length).IndexOf("\r\n\r\n"u8) < 0)
        {
            int read = await socket.ReceiveAsync(buffer.AsMemory(length), SocketFlags.None, cancellationToken);
            Assert.NotEqual(0, read);
            length += read;
        }

        await socket.SendAsync("HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
        for (int at = 0; at < body.Length; at += 7)
        {
            int size = Math.Min(7, body.Length - at);
            byte[] chunk = [.. Encoding.ASCII.GetBytes($"{size:x}\r\n"), .. body.AsSpan(at, size), .. "\r\n"u8];
            await socket.SendAsync(chunk, SocketFlags.None, cancellationToken);
        }

        await socket.SendAsync("0\r\n\r\n"u8.ToArray(), SocketFlags.None, cancellationToken);
        socket.Shutdown(SocketShutdown.Send);
        return Encoding.ASCII.GetString(buffer, 0, length);
    }
}
