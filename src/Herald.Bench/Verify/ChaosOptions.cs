namespace Herald.Bench.Verify;

/// <summary>What <c>herald-bench verify --chaos</c> was asked to do, validated by the command line.</summary>
internal sealed record ChaosOptions
{
    public ChaosStore Store { get; init; } = ChaosStore.Sqlite;

    /// <summary>How long events are published and faults forced; the drain and the check come after.</summary>
    public TimeSpan Duration { get; init; } = TimeSpan.FromSeconds(60);

    public int Publishers { get; init; } = 4;

    public int Subscribers { get; init; } = 4;

    /// <summary>Events per batch publish.</summary>
    public int Batch { get; init; } = 100;

    /// <summary>From the start of one fault to the start of the next (longer when a recovery takes longer).</summary>
    public TimeSpan FaultInterval { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>After the duration: how long in-flight publishes may take to be acknowledged and subscribers to catch up.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The command that starts a Herald server (its options are appended); null to find Herald.Server.</summary>
    public string? ServerCommand { get; init; }

    public string RedisServer { get; init; } = "redis-server";

    public int Seed { get; init; }
}
