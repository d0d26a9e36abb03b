using System.Net;
using System.Net.Sockets;

namespace Herald.Cli.Tests;

public sealed class PublishUnavailableTests
{
    [Fact]
    public async Task No_server_listening_exits_3()
    {
        // A port that was free a moment ago: nothing listens there, so every attempt is refused.
        using Socket probe = new(SocketType.Stream, ProtocolType.Tcp);
        probe.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        int port = ((IPEndPoint)probe.LocalEndPoint!).Port;
        probe.Close();

        (int exit, string stdout, string stderr) = await CliRun.RunAsync("publish", "s", "x", "--server", $"http://127.0.0.1:{port}");

        Assert.Equal(CliExitCodes.Unavailable, exit);
        Assert.Equal("", stdout);
        Assert.StartsWith("herald: the server is unavailable", stderr, StringComparison.Ordinal);
    }
}
