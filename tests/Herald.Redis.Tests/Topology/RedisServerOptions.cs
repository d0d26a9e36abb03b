namespace Herald.Redis.Tests.Topology;

/// <summary>
/// How <see cref="RedisServer.StartAsync(RedisServerOptions?)"/> starts a redis-server beyond Herald's defaults (loopback,
/// AOF on, fsync always, no RDB snapshots). The defaults give exactly the server the existing tests use, so a topology
/// only says what makes its node different: a replica's <c>--replicaof</c>, a cluster node's <c>--cluster-enabled yes</c>.
/// </summary>
public sealed record RedisServerOptions
{
    /// <summary>
    /// Arguments appended after the defaults, e.g. <c>["--replicaof", "127.0.0.1", "6379"]</c>. Redis applies the
    /// command line in order, so a later one wins over a default (<c>["--appendonly", "no"]</c> turns the AOF off).
    /// They are kept for <see cref="RedisServer.StartAgainAsync"/>, so a restarted replica or cluster node comes back as one.
    /// </summary>
    public IReadOnlyList<string> Arguments { get; init; } = [];

    /// <summary>
    /// Serve TLS only: a fresh CA and a server certificate for 127.0.0.1/localhost are written into the server's directory,
    /// the plain port is closed (<c>--port 0</c>) and <see cref="RedisServer.Port"/> is the TLS port, so
    /// <see cref="RedisServer.Uri"/> is <c>rediss://</c>. Clients do not present certificates (<c>--tls-auth-clients no</c>).
    /// </summary>
    public bool Tls { get; init; }

    /// <summary>
    /// The port to listen on; null picks a free one. A cluster node needs a second port for its bus, and picking both
    /// together is the only way to be sure they differ.
    /// </summary>
    public int? Port { get; init; }
}
