using System.Globalization;
using StackExchange.Redis;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// A primary and N replicas (<c>--replicaof</c>), each a real redis-server on its own loopback port and directory: the
/// deployment Herald's multi-endpoint URI names (<c>redis://primary,replica</c>). Failover tests need the things a
/// single server cannot show: a write that reached the primary but not yet a replica, a replica that silently stops
/// getting writes, a primary that dies and a replica that takes over. Replication offsets are what say "reached",
/// never a sleep.
/// </summary>
public sealed class RedisReplicaSet : IAsyncDisposable
{
    // Waits on local replication; generous for a loaded 2-core machine, short enough to keep a failing test under ~20 s.
    private static readonly TimeSpan s_syncTimeout = TimeSpan.FromSeconds(15);
    private readonly ReplicaState[] _states;

    private RedisReplicaSet(RedisServer primary, IReadOnlyList<RedisServer> replicas)
    {
        Primary = primary;
        Replicas = replicas;
        _states = new ReplicaState[replicas.Count];
    }

    private enum ReplicaState
    {
        Attached,
        Detached,
        Promoted,
    }

    /// <summary>The server started as the primary (it stays this one after <see cref="PromoteAsync"/>).</summary>
    public RedisServer Primary { get; }

    public IReadOnlyList<RedisServer> Replicas { get; }

    /// <summary>The primary first, then the replicas in order.</summary>
    public IReadOnlyList<RedisServer> Servers => [Primary, .. Replicas];

    /// <summary>Every endpoint, primary first: <c>redis://127.0.0.1:p1,127.0.0.1:p2</c>.</summary>
    public string Uri => $"redis://{string.Join(',', Servers.Select(server => server.Endpoint))}";

    public ConfigurationOptions Configuration => RedisUri.Parse(Uri);

    /// <summary>Starts the primary, then <paramref name="replicas"/> replicas of it, and waits until every replica's link to the primary is up (the initial sync is done).</summary>
    public static async Task<RedisReplicaSet> StartAsync(int replicas = 1)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(replicas, 1);
        var started = new List<RedisServer>();
        try
        {
            // Diskless sync waits 5 s by default for more replicas to share one transfer; a test wants it now.
            RedisServer primary = await RedisServer.StartAsync(new RedisServerOptions { Arguments = ["--repl-diskless-sync-delay", "0"] });
            started.Add(primary);
            string primaryPort = primary.Port.ToString(CultureInfo.InvariantCulture);
            for (int i = 0; i < replicas; i++)
            {
                started.Add(await RedisServer.StartAsync(new RedisServerOptions { Arguments = ["--replicaof", "127.0.0.1", primaryPort] }));
            }

            var set = new RedisReplicaSet(primary, started[1..]);
            await Task.WhenAll(set.Replicas.Select(WaitLinkUpAsync));
            return set;
        }
        catch
        {
            foreach (RedisServer server in started)
            {
                await server.DisposeAsync();
            }

            throw;
        }
    }

    /// <summary>
    /// Points replica <paramref name="index"/> at 127.0.0.1:1, where nothing listens: it leaves the primary at once,
    /// keeps its data and stays a read-only replica (writes get <c>-READONLY</c>) that never receives another write,
    /// the way a replica cut off by a partition looks. Returns when the primary no longer lists it.
    /// </summary>
    public async Task DetachReplicaAsync(int index)
    {
        RedisServer replica = Replicas[index];
        await replica.CommandAsync("REPLICAOF", "127.0.0.1", "1");
        _states[index] = ReplicaState.Detached;
        if (Primary.ProcessId is not null)
        {
            string endpointPort = $"port={replica.Port.ToString(CultureInfo.InvariantCulture)},";
            await BoundedWait.UntilAsync(
                async () => !(await Primary.InfoAsync("replication")).Values.Any(value => value.Contains(endpointPort, StringComparison.Ordinal)),
                s_syncTimeout,
                () => $"the primary {Primary.Endpoint} still lists the detached replica {replica.Endpoint}");
        }
    }

    /// <summary><c>REPLICAOF NO ONE</c> on replica <paramref name="index"/>: it becomes a primary with the data it has, and accepts writes.</summary>
    public async Task PromoteAsync(int index)
    {
        await Replicas[index].CommandAsync("REPLICAOF", "NO", "ONE");
        _states[index] = ReplicaState.Promoted;
    }

    /// <summary>SIGKILL the primary (see <see cref="RedisServer.KillAsync"/>); its replicas keep retrying the dead address.</summary>
    public Task KillPrimaryAsync() => Primary.KillAsync();

    /// <summary>
    /// Waits until every attached replica (not detached, not promoted) has applied the replication stream up to the
    /// primary's <c>master_repl_offset</c> as read now, i.e. holds every write the primary acknowledged before the call.
    /// </summary>
    public async Task WaitReplicatedAsync()
    {
        if (Primary.ProcessId is null)
        {
            throw new InvalidOperationException($"The primary {Primary.Endpoint} is not running; there is nothing to replicate from.");
        }

        long target = Offset(await Primary.InfoAsync("replication"), "master_repl_offset");
        await Task.WhenAll(Replicas.Where((_, i) => _states[i] == ReplicaState.Attached).Select(replica => BoundedWait.UntilAsync(
            async () =>
            {
                IReadOnlyDictionary<string, string> info = await replica.InfoAsync("replication");
                return info.GetValueOrDefault("master_link_status") == "up" && Offset(info, "slave_repl_offset") >= target;
            },
            s_syncTimeout,
            () => $"the replica {replica.Endpoint} did not reach the primary's offset {target}")));
    }

    public async ValueTask DisposeAsync()
    {
        foreach (RedisServer server in Servers)
        {
            await server.DisposeAsync();
        }
    }

    private static Task WaitLinkUpAsync(RedisServer replica) => BoundedWait.UntilAsync(
        async () => (await replica.InfoAsync("replication")).GetValueOrDefault("master_link_status") == "up",
        s_syncTimeout,
        () => $"the replica {replica.Endpoint} did not report master_link_status:up:\n{replica.Output}");

    private static long Offset(IReadOnlyDictionary<string, string> info, string field) =>
        info.TryGetValue(field, out string? value) ? long.Parse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : -1;
}
