namespace Herald.Server;

/// <summary>What the command line asked for, validated (API.md "Command line").</summary>
internal sealed record ServerSettings
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const string DefaultStore = "sqlite:./data/herald.db";

    public string Urls { get; init; } = DefaultUrls;

    public StoreLocation Store { get; init; } = StoreLocation.Parse(DefaultStore);

    public long Retention { get; init; } = 100_000;

    public IReadOnlyList<string> PublisherKeys { get; init; } = [];

    public TimeSpan Heartbeat { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SQLite <c>synchronous=FULL</c> (an acknowledged event survives power loss) unless <c>--sqlite-synchronous normal</c>.</summary>
    public bool SqliteSynchronousFull { get; init; } = true;

    /// <summary>Redis replicas that must acknowledge an append (<c>WAIT</c>) before <c>201</c>; 0 does not wait.</summary>
    public int RedisWaitReplicas { get; init; }
}
