using System.Net.Sockets;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// The open-file limit (<see cref="ConnectionBudget"/>, <see cref="OpenFileLimit"/>): every connection takes a
/// descriptor and the runtime aborts when none is left, so herald-server keeps its connection caps under the limit.
/// A crowd larger than the limit allows gets answers (503, or a closed connection), and the node goes on serving.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed partial class OpenFileLimitTests
{
    private const int Limit = 400;
    private const int Crowd = 300;

    [Fact]
    public async Task ACrowdLargerThanTheOpenFileLimitAllows_IsRefusedPastTheCaps_AndTheNodeGoesOnServing()
    {
        await using ServerProcess server = await ServerProcess.StartWithOpenFileLimitAsync(Limit, "--store", "memory:", "--max-connections-per-ip", "0");
        Match lowered = CapsLowered().Match(server.Output);
        Assert.True(lowered.Success, $"no warning about the open-file limit. Output:\n{server.Output}");
        Assert.Equal(Limit, int.Parse(lowered.Groups["limit"].Value, System.Globalization.CultureInfo.InvariantCulture));
        int connections = int.Parse(lowered.Groups["connections"].Value, System.Globalization.CultureInfo.InvariantCulture);
        int subscriptions = int.Parse(lowered.Groups["subscriptions"].Value, System.Globalization.CultureInfo.InvariantCulture);
        Assert.InRange(subscriptions, 1, connections - 1); // room is left for a publisher
        Assert.InRange(connections, subscriptions + 1, Crowd - 1); // and the crowd is larger than the node may take

        List<(Socket Socket, string Answer)> crowd = [];
        try
        {
            // One after another, as reconnects spread by their retry jitter arrive: each connection is answered (or closed)
            // before the next one comes, so what runs out is the descriptors the held subscriptions take, not a burst's.
            for (int i = 0; i < Crowd; i++)
            {
                crowd.Add(await SubscribeAsync(server.BaseAddress));
            }

            // Before the caps were fitted the descriptors ran out here: the runtime aborted ("Internal CLR error"), or it
            // could no longer load an assembly and, its type initializers failed for good, answered every request with an error.
            Assert.False(server.HasExited, $"the server died under the crowd. Output:\n{server.Output}");
            int open = crowd.Count(c => c.Answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal));
            int refused = crowd.Count(c => c.Answer.StartsWith("HTTP/1.1 503", StringComparison.Ordinal));
            int closed = crowd.Count(c => c.Answer.Length == 0);
            Assert.Equal(subscriptions, open); // the subscription cap: 200 up to it
            Assert.Equal(connections - subscriptions, refused); // then 503 (the connection stays open) up to the connection cap
            Assert.Equal(Crowd - connections, closed); // then closed as soon as accepted; none left without an answer

            // The refused go away, as EventSource does on a 503; the node still publishes and delivers.
            foreach ((Socket socket, _) in crowd.Where(c => !c.Answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)))
            {
                socket.Dispose();
            }

            long id = await PublishOnceASlotIsFreeAsync(server, "still served");
            Assert.Equal(1, id);
            Socket first = crowd.First(c => c.Answer.StartsWith("HTTP/1.1 200", StringComparison.Ordinal)).Socket;
            Assert.Contains("still served", await ReadUntilAsync(first, "still served"), StringComparison.Ordinal);
        }
        finally
        {
            foreach ((Socket socket, _) in crowd)
            {
                socket.Dispose();
            }
        }

        server.Terminate();
        Assert.Equal(0, await server.WaitForExitAsync());
    }

    private static async Task<(Socket Socket, string Answer)> SubscribeAsync(Uri server)
    {
        Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            await socket.ConnectAsync(server.Host, server.Port);
            await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /streams/crowd HTTP/1.1\r\nHost: {server.Authority}\r\nAccept: text/event-stream\r\n\r\n"));
            byte[] buffer = new byte[512];
            using CancellationTokenSource guard = new(TestTimeouts.Frame);
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            return (socket, Encoding.ASCII.GetString(buffer, 0, read));
        }
        catch (SocketException)
        {
            return (socket, ""); // refused at the transport: closed or reset
        }
        catch (OperationCanceledException)
        {
            return (socket, "(no answer)"); // a node out of descriptors accepts and then says nothing
        }
    }

    // Kestrel frees a connection slot once it has seen the client's close, which races a new connection made at once:
    // a publish refused at accept is tried again, a bounded number of times.
    private static async Task<long> PublishOnceASlotIsFreeAsync(ServerProcess server, string data)
    {
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                using HttpClient client = TestHttp.CreateClient(server.BaseAddress);
                return await client.PublishAsync("crowd", data);
            }
            catch (HttpRequestException) when (attempt < 50)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string> ReadUntilAsync(Socket socket, string expected)
    {
        StringBuilder received = new();
        byte[] buffer = new byte[4096];
        using CancellationTokenSource guard = new(TestTimeouts.Frame);
        while (!received.ToString().Contains(expected, StringComparison.Ordinal))
        {
            int read = await socket.ReceiveAsync(buffer, SocketFlags.None, guard.Token);
            if (read == 0)
            {
                break;
            }

            received.Append(Encoding.UTF8.GetString(buffer, 0, read));
        }

        return received.ToString();
    }

    [GeneratedRegex(@"open-file limit is (?<limit>\d+) descriptors.* at most (?<connections>\d+) connections .* and (?<subscriptions>\d+) subscriptions")]
    private static partial Regex CapsLowered();
}
