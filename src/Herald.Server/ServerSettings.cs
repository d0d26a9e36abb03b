namespace Herald.Server;

/// <summary>
/// What the command line asked for, validated (docs/protocol.md "Command line"): Herald's own options, which the library
/// defines, defaults and validates, and what only the standalone server has (listening, store, Kestrel, proxies).
/// </summary>
internal sealed record ServerSettings
{
    public const string DefaultUrls = "http://127.0.0.1:5080";
    public const string DefaultStore = "sqlite:./data/herald.db";

    /// <summary>Herald's options as the command line set them (retention, heartbeat, keys, caps, sizes…).</summary>
    public HeraldOptions Herald { get; init; } = new();

    public string Urls { get; init; } = DefaultUrls;

    public StoreLocation Store { get; init; } = StoreLocation.Parse(DefaultStore);

    public TimeSpan ShutdownTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>SQLite <c>synchronous=FULL</c> (an acknowledged event survives power loss) unless <c>--sqlite-synchronous normal</c>.</summary>
    public bool SqliteSynchronousFull { get; init; } = true;

    /// <summary>
    /// Kestrel's socket transport continues a connection's reads and writes on the thread that completed them instead of
    /// queueing each step (<c>--io-scheduling</c>). Safe for Herald: its request code never blocks for long (a store read
    /// is bounded by a page, appends wait asynchronously), and socket completions themselves still reach the thread pool
    /// (the runtime's inline completions stay off). On the fan-out benchmark it carries ~1.3× the deliveries per second
    /// (docs/benchmarks.md).
    /// </summary>
    public bool InlineScheduling { get; init; } = true;

    /// <summary>Redis replicas that must acknowledge an append (<c>WAIT</c>) before <c>201</c>; 0 does not wait.</summary>
    public int RedisWaitReplicas { get; init; }

    /// <summary>Host names accepted in the <c>Host</c> header (<c>--allowed-host</c>, or loopback names when listening on loopback); empty: any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = Server.AllowedHosts.Loopback;

    /// <summary>Peers whose <c>X-Forwarded-For</c> names the client (<c>--trusted-proxy</c>, repeatable); loopback by default.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = Server.TrustedProxies.Default;

    /// <summary>TCP connections Kestrel keeps open at once (<c>--max-http-connections</c>); 0: no cap.</summary>
    public int MaxHttpConnections { get; init; } = new HeraldOptions().MaxConnections + 1000;

    /// <summary>Kestrel's cap on all request headers together (<c>--max-request-headers-bytes</c>); over it: <c>431</c>.</summary>
    public int MaxRequestHeadersBytes { get; init; } = 32 * 1024;

    /// <summary>Kestrel's cap on the request line, i.e. method, path and query (<c>--max-request-line-bytes</c>); over it: <c>414</c>.</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;
}
