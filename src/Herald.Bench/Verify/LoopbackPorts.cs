using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Herald.Bench.Verify;

/// <summary>
/// Picks a port on 127.0.0.1 that a server can keep across restarts. Not port 0: a node restarted after a kill must come
/// back on the same address, because its clients keep it. And below the ephemeral range: outgoing connections of any
/// process on the machine take ports from that range, and one could take ours while the node is down.
/// </summary>
internal static class LoopbackPorts
{
    private static readonly Lock s_lock = new();
    private static readonly HashSet<int> s_handedOut = [];

    public static int Pick()
    {
        int ephemeralLow = EphemeralLow();
        int low = Math.Max(1024, ephemeralLow - 12_000);
        lock (s_lock)
        {
            for (int attempt = 0; attempt < 500; attempt++)
            {
                int port = Random.Shared.Next(low, ephemeralLow);
                if (!s_handedOut.Contains(port) && IsFree(port))
                {
                    s_handedOut.Add(port);
                    return port;
                }
            }
        }

        throw new InvalidOperationException($"No free loopback port between {low} and {ephemeralLow}.");
    }

    private static bool IsFree(int port)
    {
        using Socket socket = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
            socket.Listen();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    private static int EphemeralLow()
    {
        try
        {
            // Linux: "32768\t60999".
            string range = File.ReadAllText("/proc/sys/net/ipv4/ip_local_port_range");
            string first = range.Split((char[])['\t', ' ', '\n'], StringSplitOptions.RemoveEmptyEntries)[0];
            if (int.TryParse(first, NumberStyles.None, CultureInfo.InvariantCulture, out int low) && low > 2048)
            {
                return low;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }

        return 32768;
    }
}
