using System.Diagnostics;
using System.Globalization;

namespace Herald.Bench.Verify;

/// <summary>
/// The servers a chaos run starts and breaks: one Herald node on a SQLite file, or a Redis primary with one replica (both
/// AOF, fsync always) and two Herald nodes that name both and wait for the replica on every append
/// (<c>--redis-wait-replicas 1</c>), so that every acknowledged event is on both Redis processes and survives a failover;
/// all on loopback ports of their own, with their data in the run's temporary directory.
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

    /// <summary>How long a replica may take to notice that its primary was killed (the closed connection: at once, normally).</summary>
    public static readonly TimeSpan LinkDownTimeout = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long the Herald nodes may take to follow a promoted replica (the store asks Redis who leads at most once a
    /// second while no primary is connected), each answering <c>/readyz</c> again; longer is a finding about the store.
    /// </summary>
    public static readonly TimeSpan FollowTimeout = TimeSpan.FromSeconds(30);

    private readonly HttpClient _probe = new() { Timeout = TimeSpan.FromSeconds(2) };
    private readonly List<RedisNode> _redis;

    private ChaosCluster(IReadOnlyList<HeraldNode> nodes, List<RedisNode> redis)
    {
        Nodes = nodes;
        _redis = redis;
    }

    public IReadOnlyList<HeraldNode> Nodes { get; }

    /// <summary>The Redis process that is the primary now (null with SQLite); a failover swaps it with <see cref="RedisReplica"/>.</summary>
    public RedisNode? RedisPrimary { get; private set; }

    /// <summary>The Redis process that replicates <see cref="RedisPrimary"/> now.</summary>
    public RedisNode? RedisReplica { get; private set; }

    /// <summary>Starts the store and the nodes and waits until every node is ready; disposes what it started when that fails.</summary>
    public static async Task<ChaosCluster> StartAsync(ChaosStore store, ServerLaunch launch, string redisServer, string directory, CancellationToken cancellationToken)
    {
        // Two processes in directories of their own; which one is the primary changes with every failover.
        List<RedisNode> redis = [];
        foreach (string name in store == ChaosStore.Redis ? (string[])["redis-1", "redis-2"] : [])
        {
            redis.Add(new RedisNode(redisServer, Directory.CreateDirectory(Path.Combine(directory, name)).FullName, StartTimeout));
        }

        List<HeraldNode> nodes = [];
        ChaosCluster cluster = new(nodes, redis);
        try
        {
            string storeUri = "sqlite:" + Path.Combine(directory, "herald.db");
            string[] redisArguments = [];
            if (store == ChaosStore.Redis)
            {
                RedisNode primary = redis[0];
                RedisNode replica = redis[1];
                await primary.StartAsync(primary: null, cancellationToken).ConfigureAwait(false);
                await replica.StartAsync(primary, cancellationToken).ConfigureAwait(false);
                await replica.WaitForLinkAsync(up: true, StartTimeout, cancellationToken).ConfigureAwait(false);
                cluster.RedisPrimary = primary;
                cluster.RedisReplica = replica;

                // Both endpoints: the nodes find the primary, and the promoted replica after a failover. Every append
                // waits until the replica has it, so a failover loses none that was acknowledged.
                storeUri = $"redis://{primary.Endpoint},{replica.Endpoint}";
                redisArguments = ["--redis-wait-replicas", "1"];
            }

            string[] serverArguments =
            [
                "--store", storeUri,
                "--retention", Retention.ToString(CultureInfo.InvariantCulture),
                "--shutdown-timeout", ShutdownTimeout.TotalSeconds.ToString(CultureInfo.InvariantCulture),
                .. redisArguments,
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

    /// <summary>
    /// SIGKILL to the primary, restarted at once on its own AOF as the primary again (no failover: as a supervisor
    /// restarting a crashed process would); the replica, which kept its configuration, reconnects and synchronizes again.
    /// Returns once the replica's link is up, so that appends waiting for it succeed again, and every Herald node answers
    /// <c>/readyz</c> again (it has reconnected to the primary by itself).
    /// </summary>
    public async Task<RedisRestart> RestartRedisPrimaryAsync(CancellationToken cancellationToken)
    {
        (RedisNode primary, RedisNode replica) = RedisPair();
        int? killed = primary.Pid;
        await primary.KillAsync(ExitWait).ConfigureAwait(false);
        Stopwatch sinceKill = Stopwatch.StartNew();

        // The replica must see this primary go before the restarted one comes: else "linked again" could be the old link.
        await replica.WaitForLinkAsync(up: false, LinkDownTimeout, cancellationToken).ConfigureAwait(false);
        await primary.StartAsync(primary: null, cancellationToken).ConfigureAwait(false);
        TimeSpan restarted = sinceKill.Elapsed;
        (TimeSpan relinked, TimeSpan nodesReady) = await WhileNodesFollowAsync(
            sinceKill, "after the Redis restart", () => replica.WaitForLinkAsync(up: true, StartTimeout, cancellationToken), cancellationToken).ConfigureAwait(false);
        return new RedisRestart(primary, killed, replica, restarted, relinked, nodesReady);
    }

    /// <summary>
    /// The failover a manager such as Sentinel performs: SIGKILL to the primary; once the replica has noticed (its link
    /// is down), <c>REPLICAOF NO ONE</c> promotes it; the old primary's process is started again on its port and
    /// directory as a replica of the new primary (it replays its AOF, then resynchronizes fully), so that the next fault
    /// has a replica again. Returns once that replica is linked and every Herald node answers <c>/readyz</c> again, i.e.
    /// has found the new primary by itself (the URI names both endpoints; the nodes are not restarted).
    /// </summary>
    public async Task<RedisFailover> FailOverRedisAsync(CancellationToken cancellationToken)
    {
        (RedisNode primary, RedisNode replica) = RedisPair();
        int? killed = primary.Pid;
        await primary.KillAsync(ExitWait).ConfigureAwait(false);
        Stopwatch down = Stopwatch.StartNew();
        await replica.WaitForLinkAsync(up: false, LinkDownTimeout, cancellationToken).ConfigureAwait(false);
        TimeSpan linkDown = down.Elapsed;

        await replica.PromoteAsync(cancellationToken).ConfigureAwait(false);
        RedisPrimary = replica;
        RedisReplica = primary;
        Stopwatch promoted = Stopwatch.StartNew();

        // The nodes follow while the old primary comes back: both are part of the recovery, timed apart.
        (TimeSpan linked, TimeSpan followed) = await WhileNodesFollowAsync(promoted, "after the Redis failover", async () =>
        {
            await primary.StartAsync(replica, cancellationToken).ConfigureAwait(false);
            await primary.WaitForLinkAsync(up: true, StartTimeout, cancellationToken).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
        return new RedisFailover(killed, primary, replica, linkDown, followed, linked);
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

    private (RedisNode Primary, RedisNode Replica) RedisPair() =>
        RedisPrimary is { } primary && RedisReplica is { } replica ? (primary, replica) : throw new InvalidOperationException("This run has no Redis.");

    /// <summary>
    /// Runs <paramref name="recovery"/> of Redis while waiting until every node answers <c>/readyz</c> (it reaches a primary),
    /// each for at most <see cref="FollowTimeout"/>; returns when each was done, since <paramref name="since"/> started.
    /// </summary>
    private async Task<(TimeSpan Recovered, TimeSpan NodesReady)> WhileNodesFollowAsync(Stopwatch since, string after, Func<Task> recovery, CancellationToken cancellationToken)
    {
        Task<TimeSpan> ready = NodesReadyAsync();
        try
        {
            await recovery().ConfigureAwait(false);
        }
        catch
        {
            await ((Task)ready).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            throw;
        }

        TimeSpan recovered = since.Elapsed;
        return (recovered, await ready.ConfigureAwait(false));

        async Task<TimeSpan> NodesReadyAsync()
        {
            await Task.WhenAll(Nodes.Select(node => node.WaitUntilReadyAsync(FollowTimeout, after, cancellationToken))).ConfigureAwait(false);
            return since.Elapsed;
        }
    }

    /// <summary>Kills every process the run started (by PID) and waits for them.</summary>
    public void Dispose()
    {
        foreach (HeraldNode node in Nodes)
        {
            node.Dispose();
        }

        foreach (RedisNode redis in _redis)
        {
            redis.Dispose();
        }

        _probe.Dispose();
    }
}

/// <summary>
/// What <see cref="ChaosCluster.RestartRedisPrimaryAsync"/> did: the primary's PID before and after, and, from the kill,
/// when the restarted primary answered PING (its AOF replayed), when the replica was linked to it again and when every node
/// answered /readyz again.
/// </summary>
internal sealed record RedisRestart(RedisNode Primary, int? KilledPid, RedisNode Replica, TimeSpan Restarted, TimeSpan Relinked, TimeSpan NodesReady);

/// <summary>
/// What <see cref="ChaosCluster.FailOverRedisAsync"/> did: the killed primary's PID, the process now a replica on its port
/// and the promoted one; how long the replica took to notice, and, from the promotion, until every node was ready and
/// until the new replica was linked.
/// </summary>
internal sealed record RedisFailover(int? KilledPid, RedisNode Demoted, RedisNode Promoted, TimeSpan LinkDown, TimeSpan NodesFollowed, TimeSpan Relinked);
