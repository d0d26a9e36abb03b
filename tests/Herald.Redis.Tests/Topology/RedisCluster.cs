using System.Diagnostics;
using System.Globalization;
using System.Text;
using StackExchange.Redis;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// A Redis Cluster of N primaries (no replicas), each a redis-server with <c>--cluster-enabled yes</c> on its own
/// loopback ports and directory, joined and given the 16384 slots by <c>redis-cli --cluster create</c>. Herald keeps a
/// stream's keys in one hash slot; only a real cluster shows that a command touching two slots fails
/// (<c>-CROSSSLOT</c>) and that different streams really live on different nodes.
/// </summary>
public sealed class RedisCluster : IAsyncDisposable
{
    // Creating the cluster and the gossip that follows take a few seconds locally; this bounds a broken one.
    private static readonly TimeSpan s_formTimeout = TimeSpan.FromSeconds(30);

    private RedisCluster(IReadOnlyList<RedisServer> nodes) => Nodes = nodes;

    public IReadOnlyList<RedisServer> Nodes { get; }

    /// <summary>Every node: <c>redis://127.0.0.1:p1,127.0.0.1:p2,127.0.0.1:p3</c>.</summary>
    public string Uri => $"redis://{string.Join(',', Nodes.Select(node => node.Endpoint))}";

    public ConfigurationOptions Configuration => RedisUri.Parse(Uri);

    /// <summary>
    /// Starts <paramref name="primaries"/> cluster-enabled servers (Redis Cluster needs at least 3), creates the cluster
    /// over them, and waits until every node says <c>cluster_state:ok</c> and knows all the others.
    /// </summary>
    public static async Task<RedisCluster> StartAsync(int primaries = 3)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(primaries, 3);

        // The bus port defaults to port + 10000, past 65535 for much of the ephemeral range, so each node gets an
        // explicit one; all 2N ports are picked at once so none repeats.
        IReadOnlyList<int> ports = RedisServer.FreePorts(2 * primaries);
        var nodes = new List<RedisServer>();
        try
        {
            for (int i = 0; i < primaries; i++)
            {
                nodes.Add(await RedisServer.StartAsync(new RedisServerOptions
                {
                    Port = ports[2 * i],
                    Arguments =
                    [
                        "--cluster-enabled", "yes", "--cluster-config-file", "nodes.conf", "--cluster-node-timeout", "2000",
                        "--cluster-port", ports[(2 * i) + 1].ToString(CultureInfo.InvariantCulture),
                    ],
                }));
            }

            var cluster = new RedisCluster(nodes);
            await RunRedisCliAsync(["--cluster", "create", .. nodes.Select(node => node.Endpoint), "--cluster-replicas", "0", "--cluster-yes"]);
            await Task.WhenAll(nodes.Select(node => BoundedWait.UntilAsync(
                async () =>
                {
                    IReadOnlyDictionary<string, string> info = ParseFields(await node.CommandAsync("CLUSTER", "INFO"));
                    return info.GetValueOrDefault("cluster_state") == "ok"
                        && info.GetValueOrDefault("cluster_known_nodes") == primaries.ToString(CultureInfo.InvariantCulture);
                },
                s_formTimeout,
                () => $"the cluster node {node.Endpoint} did not report cluster_state:ok with {primaries} known nodes")));
            return cluster;
        }
        catch
        {
            foreach (RedisServer node in nodes)
            {
                await node.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary><c>CLUSTER KEYSLOT</c>: the hash slot of <paramref name="key"/> (of its <c>{hash tag}</c> when it has one).</summary>
    public async Task<int> KeySlotAsync(string key) =>
        checked((int)(await AnyNode().ExecuteAsync("CLUSTER", "KEYSLOT", key)).Number);

    /// <summary>The port of the primary that serves <paramref name="key"/>'s slot, per <c>CLUSTER SLOTS</c> as a running node sees it.</summary>
    public async Task<int> PortOfKeyAsync(string key)
    {
        int slot = await KeySlotAsync(key);

        // Each element: [first slot, last slot, [primary ip, primary port, node id, …], replicas…].
        RespValue ranges = await AnyNode().ExecuteAsync("CLUSTER", "SLOTS");
        foreach (RespValue range in ranges.Items)
        {
            if (range.Items[0].Number <= slot && slot <= range.Items[1].Number)
            {
                return checked((int)range.Items[2].Items[1].Number);
            }
        }

        throw new InvalidOperationException($"No node serves slot {slot} of '{key}': {ranges}");
    }

    /// <summary>The node that serves <paramref name="key"/>'s slot.</summary>
    public async Task<RedisServer> NodeOfKeyAsync(string key)
    {
        int port = await PortOfKeyAsync(key);
        return Nodes.Single(node => node.Port == port);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RedisServer node in Nodes)
        {
            await node.DisposeAsync();
        }
    }

    private RedisServer AnyNode() =>
        Nodes.FirstOrDefault(node => node.ProcessId is not null && !node.IsPaused) ?? throw new InvalidOperationException("No cluster node is running.");

    private static Dictionary<string, string> ParseFields(string reply) =>
        reply.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(':', 2))
            .Where(pair => pair.Length == 2)
            .ToDictionary(pair => pair[0], pair => pair[1], StringComparer.Ordinal);

    /// <summary>Runs redis-cli to the end (bounded), and fails with its output when it does not exit 0.</summary>
    private static async Task RunRedisCliAsync(IEnumerable<string> arguments)
    {
        var start = new ProcessStartInfo("redis-cli")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using Process process = Process.Start(start) ?? throw new InvalidOperationException("redis-cli did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await process.WaitForExitAsync().WaitAsync(s_formTimeout);
        }
        catch (TimeoutException)
        {
            process.Kill();
            throw new TimeoutException($"redis-cli {string.Join(' ', start.ArgumentList)} did not finish within {s_formTimeout.TotalSeconds:0} s:\n{Text()}");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"redis-cli {string.Join(' ', start.ArgumentList)} exited with {process.ExitCode}:\n{Text()}");
        }

        void Append(string? line)
        {
            if (line is not null)
            {
                lock (output)
                {
                    output.AppendLine(line);
                }
            }
        }

        string Text()
        {
            lock (output)
            {
                return output.ToString();
            }
        }
    }
}
