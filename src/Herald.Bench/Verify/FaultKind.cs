namespace Herald.Bench.Verify;

/// <summary>The faults a chaos run forces, each followed by a recovery before the next one.</summary>
internal enum FaultKind
{
    /// <summary>SIGTERM to a node, then a restart on the same store: the graceful stop of docs/protocol.md "Operations".</summary>
    SigtermRestart,

    /// <summary>SIGKILL to a node, then at once a restart on the same store: a crash.</summary>
    SigkillRestart,

    /// <summary>The TCP connections of one subscriber and one publisher cut mid-stream; the clients recover by themselves.</summary>
    ConnectionDrop,

    /// <summary>(Redis) SIGKILL to one node, which stays down for a while so that clients fail over to the other node.</summary>
    NodeKill,

    /// <summary>
    /// (Redis) SIGKILL to the Redis primary, then a restart on the same directory as the primary again: the AOF (fsync
    /// always) keeps every acknowledged event; the replica reconnects and synchronizes again.
    /// </summary>
    RedisRestart,

    /// <summary>
    /// (Redis) SIGKILL to the Redis primary and <c>REPLICAOF NO ONE</c> to its replica, which every acknowledged event
    /// reached (<c>--redis-wait-replicas 1</c>); the nodes must follow the promoted replica by themselves. The old
    /// primary comes back as the new one's replica, so the roles alternate between the two processes.
    /// </summary>
    RedisFailover,
}

internal static class FaultKinds
{
    public static string Name(this FaultKind kind) => kind switch
    {
        FaultKind.SigtermRestart => "sigterm-restart",
        FaultKind.SigkillRestart => "sigkill-restart",
        FaultKind.ConnectionDrop => "connection-drop",
        FaultKind.NodeKill => "node-kill",
        FaultKind.RedisRestart => "redis-restart",
        FaultKind.RedisFailover => "redis-failover",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    public static IReadOnlyList<FaultKind> For(ChaosStore store) => store == ChaosStore.Redis
        ? [FaultKind.SigtermRestart, FaultKind.SigkillRestart, FaultKind.ConnectionDrop, FaultKind.NodeKill, FaultKind.RedisRestart, FaultKind.RedisFailover]
        : [FaultKind.SigtermRestart, FaultKind.SigkillRestart, FaultKind.ConnectionDrop];
}
