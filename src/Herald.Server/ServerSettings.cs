namespace Herald.Server;

/// <summary>What the command line asked for, validated (docs/protocol.md "Command line").</summary>
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

    /// <summary>Shortest time between two wake-ups of a stream's subscribers (<c>--delivery-window</c>, ms); see <see cref="HeraldOptions.DeliveryWindow"/>.</summary>
    public TimeSpan DeliveryWindow { get; init; } = TimeSpan.FromMilliseconds(5);

    /// <summary>SQLite <c>synchronous=FULL</c> (an acknowledged event survives power loss) unless <c>--sqlite-synchronous normal</c>.</summary>
    public bool SqliteSynchronousFull { get; init; } = true;

    /// <summary>Redis replicas that must acknowledge an append (<c>WAIT</c>) before <c>201</c>; 0 does not wait.</summary>
    public int RedisWaitReplicas { get; init; }

    /// <summary>HS256 secret for subscriber JWTs (<c>--subscriber-key</c>); null: subscribing is open.</summary>
    public string? SubscriberKey { get; init; }

    /// <summary>The <c>iss</c> subscriber tokens must carry (<c>--subscriber-issuer</c>); null: not checked.</summary>
    public string? SubscriberIssuer { get; init; }

    /// <summary>The <c>aud</c> subscriber tokens must carry (<c>--subscriber-audience</c>); null: not checked.</summary>
    public string? SubscriberAudience { get; init; }

    /// <summary>Host names accepted in the <c>Host</c> header (<c>--allowed-host</c>, or loopback names when listening on loopback); empty: any.</summary>
    public IReadOnlyList<string> AllowedHosts { get; init; } = Server.AllowedHosts.Loopback;

    /// <summary>Origins allowed by CORS (<c>--cors-origin</c>, repeatable; <c>*</c> for any).</summary>
    public IReadOnlyList<string> CorsOrigins { get; init; } = [];

    /// <summary>Open SSE subscriptions in total (<c>--max-connections</c>); 0: no cap.</summary>
    public int MaxConnections { get; init; } = 10_000;

    /// <summary>Peers whose <c>X-Forwarded-For</c> names the client (<c>--trusted-proxy</c>, repeatable); loopback by default.</summary>
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; init; } = Server.TrustedProxies.Default;

    /// <summary>Open SSE subscriptions per client IP (<c>--max-connections-per-ip</c>); 0: no cap.</summary>
    public int MaxConnectionsPerIp { get; init; } = 100;

    /// <summary>Publish requests per second per publisher (<c>--publish-rate</c>); 0: no limit.</summary>
    public int PublishRate { get; init; }

    /// <summary>Token bucket size of the publish rate (<c>--publish-burst</c>); 0: one second's worth.</summary>
    public int PublishBurst { get; init; }

    /// <summary>Largest single publish body (<c>--max-event-bytes</c>, docs/protocol.md: 1 MiB).</summary>
    public int MaxEventBytes { get; init; } = 1024 * 1024;

    /// <summary>TCP connections Kestrel keeps open at once (<c>--max-http-connections</c>); 0: no cap.</summary>
    public int MaxHttpConnections { get; init; } = 11_000;

    /// <summary>JSON reads served at once (<c>--max-concurrent-reads</c>); 0: no cap.</summary>
    public int MaxConcurrentReads { get; init; } = 256;

    /// <summary>Most bytes of event data in one page read from the store (<c>--max-page-bytes</c>, docs/protocol.md "Limits": 4 MiB).</summary>
    public int MaxPageBytes { get; init; } = 4 * 1024 * 1024;

    /// <summary>Largest batch body (<c>--max-batch-bytes</c>, docs/protocol.md: 16 MiB).</summary>
    public int MaxBatchBytes { get; init; } = 16 * 1024 * 1024;

    /// <summary>Kestrel's cap on all request headers together (<c>--max-request-headers-bytes</c>); over it: <c>431</c>.</summary>
    public int MaxRequestHeadersBytes { get; init; } = 32 * 1024;

    /// <summary>Kestrel's cap on the request line, i.e. method, path and query (<c>--max-request-line-bytes</c>); over it: <c>414</c>.</summary>
    public int MaxRequestLineBytes { get; init; } = 8 * 1024;
}
