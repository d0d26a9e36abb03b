using StackExchange.Redis;

namespace Herald;

/// <summary>How to open a <see cref="RedisEventLog"/>.</summary>
public sealed record RedisEventLogOptions
{
    /// <summary>Creates options for the Redis deployment <paramref name="configuration"/> describes (see <see cref="RedisUri"/> to build it from a URI).</summary>
    public RedisEventLogOptions(ConfigurationOptions configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        Configuration = configuration;
    }

    /// <summary>
    /// Endpoints, password, TLS and database. The store copies it and sets its own timeouts, backlog and reconnect policies
    /// on the copy (reconnect attempts 0.5-2 s apart), whatever this one holds.
    /// </summary>
    public ConfigurationOptions Configuration { get; init; }

    /// <summary>Retention, idempotency window and clock, as for every store.</summary>
    public EventLogOptions Log { get; init; } = new();

    /// <summary>
    /// The first part of every key (<c>&lt;prefix&gt;:{&lt;stream&gt;}:log</c>, <c>&lt;prefix&gt;:epoch</c>). Several Herald
    /// deployments can share one Redis with different prefixes; every node of one deployment must use the same.
    /// </summary>
    public string KeyPrefix { get; init; } = "herald";

    /// <summary>
    /// Replicas that must acknowledge an append (Redis <c>WAIT</c>) before it is acknowledged; 0 (the default) does not wait.
    /// When fewer answer within <see cref="WaitReplicasTimeout"/>, the append fails with <see cref="EventLogUnavailableException"/>.
    /// </summary>
    public int WaitReplicas { get; init; }

    /// <summary>How long <see cref="WaitReplicas"/> waits for the replicas.</summary>
    public TimeSpan WaitReplicasTimeout { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest any one Redis command may take before the store reports itself unavailable.</summary>
    public TimeSpan OperationTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How long connecting to Redis may take.</summary>
    public TimeSpan ConnectTimeout { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// How often the node reads every primary's replication state and the store's epoch: the failover guard drops the
    /// marks of writes the replicas hold, notices a promoted replica, and adopts an epoch another node moved to.
    /// </summary>
    public TimeSpan ReplicationCheckInterval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The application's own connection to use instead of one the store opens from <see cref="Configuration"/> (as
    /// ASP.NET Core's Redis cache takes one): the store shares it and does not dispose it. It must reach the deployment
    /// <see cref="Configuration"/> names, which is still used for the connection of <see cref="WaitReplicas"/>.
    /// </summary>
    public Func<Task<IConnectionMultiplexer>>? Connection { get; init; }

    /// <summary>Throws when a value is out of range, naming the option.</summary>
    public void Validate()
    {
        ArgumentNullException.ThrowIfNull(Configuration);
        ArgumentNullException.ThrowIfNull(Log);
        Log.Validate();
        ArgumentException.ThrowIfNullOrWhiteSpace(KeyPrefix);
        if (KeyPrefix.Contains('{', StringComparison.Ordinal) || KeyPrefix.Contains('}', StringComparison.Ordinal))
        {
            throw new ArgumentException("The key prefix must not contain '{' or '}': the stream name is the keys' hash tag.", nameof(KeyPrefix));
        }

        ArgumentOutOfRangeException.ThrowIfNegative(WaitReplicas);
        Positive(WaitReplicasTimeout, nameof(WaitReplicasTimeout));
        Positive(OperationTimeout, nameof(OperationTimeout));
        Positive(ConnectTimeout, nameof(ConnectTimeout));
        Positive(ReplicationCheckInterval, nameof(ReplicationCheckInterval));
    }

    private static void Positive(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero || value.TotalMilliseconds > int.MaxValue)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be positive and at most int.MaxValue milliseconds.");
        }
    }
}
