using System.Globalization;

namespace Herald.Cli.Verify;

/// <summary>
/// The servers a chaos run starts and breaks: one Herald node on a SQLite file, or a redis-server (AOF, fsync always) with
/// two Herald nodes on it; all on loopback ports of their own, with their data in the run's temporary directory.
/// </summary>
internal sealed class ChaosCluster : IDisposable
{
    /// <summary>Far more than a run publishes, so that no event is ever trimmed: a <c>gap</c> frame is then always a violation.</summary>
    public const long Retention = 1_000_000_000;

    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(60);

    /// <summary>The server's own bound on a graceful stop; the wait for its exit allows more on a loaded machine.</summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(5);

    /// <summary>How long to wait for a signalled process to exit: the graceful stop's bound plus slack for a loaded machine.</summary>
    public static readonly TimeSpan ExitWait = ShutdownTimeout + TimeSpan.FromSeconds(25);
    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };

    private ChaosCluster(IReadOnlyList<HeraldNode> nodes, RedisNode? redis)
    {
        Nodes = nodes;
        Redis = redis;
    }

    public IReadOnlyList<HeraldNode> Nodes { get; }

    public RedisNode? Redis { get; }

    /// <summary>Starts the store and the nodes and waits until every node is ready; disposes what it started when that fails.</summary>
    public static async Task<ChaosCluster> StartAsync(ChaosStore store, ServerLaunch launch, string redisServer, string directory, CancellationToken cancellationToken)
    {
        RedisNode? redis = store == ChaosStore.Redis
            ? new RedisNode(redisServer, Directory.CreateDirectory(Path.Combine(directory, "redis")).FullName, StartTimeout)
            : null;
        List<HeraldNode> nodes = [];
        ChaosCluster cluster = new(nodes, redis);
        try
        {
            string storeUri = "sqlite:" + Path.Combine(directory, "herald.db");
            if (redis is not null)
            {
                await redis.StartAsync(cancellationToken).ConfigureAwait(false);
                storeUri = redis.StoreUri;
            }

            string[] serverArguments =
            [
                "--store", storeUri,
                "--retention", Retention.ToString(CultureInfo.InvariantCulture),
                "--shutdown-timeout", ShutdownTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
            ];
            foreach (string name in store == ChaosStore.Redis ? (string[])["a", "b"] : ["a"])
            {
                HeraldNode node = new(name, launch, serverArguments, directory, cluster._probe, StartTimeout);
                nodes.Add(node);
                await node.StartAsync(cancellationToken).ConfigureAwait(false);
            }

            return cluster;
        }
        catch
        {
            cluster.Dispose();
            throw;
        }
    }

    public async Task RestartRedisAsync(CancellationToken cancellationToken)
    {
        RedisNode redis = Redis ?? throw new InvalidOperationException("This run has no Redis.");
        await redis.KillAsync(ExitWait).ConfigureAwait(false);
        await redis.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stream's last ID as a ready node reports it, or null when none answers.</summary>
    public async Task<long?> LastIdAsync(string stream, CancellationToken cancellationToken)
    {
        foreach (HeraldNode node in Nodes)
        {
            try
            {
                using HttpResponseMessage response = await _probe.GetAsync(new Uri(node.BaseUrl, "streams/" + stream + "/info"), cancellationToken).ConfigureAwait(false);
                if (response.IsSuccessStatusCode)
                {
                    using System.Text.Json.JsonDocument json = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false));
                    return json.RootElement.GetProperty("last").GetInt64();
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
        }

        return null;
    }

    /// <summary>Kills every process the run started (by PID) and waits for them.</summary>
    public void Dispose()
    {
        foreach (HeraldNode node in Nodes)
        {
            node.Dispose();
        }

        Redis?.Dispose();
        _probe.Dispose();
    }
}
