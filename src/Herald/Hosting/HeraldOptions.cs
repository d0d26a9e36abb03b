using Herald.Hosting;
using Herald.Http.Security;

namespace Herald;

/// <summary>How the Herald endpoints behave. Defaults are docs/protocol.md's.</summary>
public sealed class HeraldOptions
{
    /// <summary>Events kept per stream (docs/protocol.md <c>--retention</c>, default 100,000).</summary>
    public long Retention { get; set; } = 100_000;

    /// <summary>How long an <c>Idempotency-Key</c> is remembered (default 24 h).</summary>
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromHours(24);

    /// <summary>Interval of the heartbeat comment on idle SSE connections (docs/protocol.md: default 15 s).</summary>
    public TimeSpan Heartbeat { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The <c>retry:</c> a new SSE response starts with (default 3 s).</summary>
    public TimeSpan Retry { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>The largest body of a single publish (docs/protocol.md: 1 MiB).</summary>
    public int MaxEventBytes { get; set; } = 1024 * 1024;

    /// <summary>The largest body of a batch publish (docs/protocol.md: 16 MiB).</summary>
    public int MaxBatchBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>The most events one batch may carry (docs/protocol.md: 10,000).</summary>
    public int MaxBatchEvents { get; set; } = 10_000;

    /// <summary>Recent events per subscribed stream kept encoded in memory, so live delivery never touches the store.</summary>
    public int HotTailCapacity { get; set; } = 4096;

    /// <summary>
    /// The most bytes of encoded frames one stream's hot tail holds (default 4 MiB); the oldest frames go first, the
    /// newest always stays. Bounds a subscribed stream's memory whatever its events' sizes (docs/protocol.md "Limits").
    /// </summary>
    public long HotTailMaxBytes { get; set; } = 4L * 1024 * 1024;

    /// <summary>
    /// The most bytes of event data in one page read from the store: a subscriber's catch-up read and one <c>events</c>
    /// response (default 4 MiB, <c>--max-page-bytes</c>). A page ends early rather than exceed it, and always holds at
    /// least one event (docs/protocol.md "Limits").
    /// </summary>
    public int MaxPageBytes { get; set; } = 4 * 1024 * 1024;

    /// <summary>
    /// The shortest time between two wake-ups of a stream's subscribers for new events (default 5 ms). An event after a
    /// quiet spell goes out at once; events that follow within the window go out together at its end, in one write per
    /// subscriber instead of one per event. Longer: less CPU per event on busy streams with many subscribers, for up to
    /// this much latency. Zero: every event is written as soon as it is appended. At most 1 s.
    /// </summary>
    public TimeSpan DeliveryWindow { get; set; } = TimeSpan.FromMilliseconds(5);

    /// <summary>
    /// Bearer keys that may publish. Empty: publishing is accepted only from loopback addresses (docs/protocol.md "Security").
    /// </summary>
    public IList<string> PublisherKeys { get; } = [];

    /// <summary>
    /// Secret for subscriber JWTs (HS256, its UTF-8 bytes, at least 32). When set, subscribe, <c>info</c> and <c>events</c>
    /// need a token whose <c>streams</c> claim lists the stream or <c>*</c> (docs/protocol.md "Security"). Null: subscribing is open.
    /// </summary>
    public string? SubscriberKey { get; set; }

    /// <summary>The <c>iss</c> every subscriber token must carry; null (the default): not checked.</summary>
    public string? SubscriberTokenIssuer { get; set; }

    /// <summary>The <c>aud</c> every subscriber token must carry; null (the default): not checked.</summary>
    public string? SubscriberTokenAudience { get; set; }

    /// <summary>Tolerance for <c>exp</c> and <c>nbf</c> of subscriber tokens, for clocks that disagree a little (default 30 s).</summary>
    public TimeSpan SubscriberTokenClockSkew { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Browser origins (e.g. <c>https://app.example.com</c>) allowed to call the Herald endpoints from other origins (CORS);
    /// <c>*</c> allows any origin. Empty: no CORS headers. The host must run <c>app.UseCors()</c> (the standalone server does).
    /// </summary>
    public IList<string> CorsOrigins { get; } = [];

    /// <summary>Open SSE subscriptions this node accepts in total; more get <c>503</c> with <c>Retry-After</c>. 0: no cap.</summary>
    public int MaxConnections { get; set; } = 10_000;

    /// <summary>
    /// JSON reads (<c>info</c>, <c>events</c>, <c>GET /streams</c>) this node serves at once (default 256); more get
    /// <c>503</c> with <c>Retry-After</c>. Each holds up to a page (<see cref="MaxPageBytes"/>) while its client reads. 0: no cap.
    /// </summary>
    public int MaxConcurrentReads { get; set; } = 256;

    /// <summary>
    /// Open SSE subscriptions per client IP address; more get <c>429</c> with <c>Retry-After</c>. 0: no cap. Behind a
    /// reverse proxy, run ASP.NET Core's forwarded-headers middleware first so that the address is the client's.
    /// </summary>
    public int MaxConnectionsPerIp { get; set; } = 100;

    /// <summary>
    /// Streams one <c>GET /subscribe</c> connection may follow, and pairs its cursor may hold (default 64, at most 1,024);
    /// more: <c>400</c>. Each costs a cursor on the connection and a pair in every event's <c>id:</c>.
    /// </summary>
    public int MaxStreamsPerSubscription { get; set; } = 64;

    /// <summary>
    /// Publish requests (single or batch) per second per publisher (its key, else its IP address), as a token bucket;
    /// over it: <c>429</c> with <c>Retry-After</c>. 0 (the default): no limit.
    /// </summary>
    public int PublishRateLimit { get; set; }

    /// <summary>Publish requests a publisher may send at once above <see cref="PublishRateLimit"/> (the bucket's size). 0: one second's worth.</summary>
    public int PublishBurst { get; set; }

    /// <summary>Every problem with the options, each naming its option; empty when they are fine.</summary>
    public IReadOnlyList<string> Validate() => [.. FindProblems().Select(p => p.ToString())];

    /// <summary>
    /// The one check of these options: for <see cref="Validate"/> (and so <c>ValidateOnStart</c>), and for the standalone
    /// server, which names its command-line options instead of the properties.
    /// </summary>
    internal IReadOnlyList<OptionProblem> FindProblems()
    {
        List<OptionProblem> problems = [];
        if (Retention < 1)
        {
            problems.Add(new(nameof(Retention), $"must be at least 1 (got {Retention})."));
        }

        if (IdempotencyWindow <= TimeSpan.Zero)
        {
            problems.Add(new(nameof(IdempotencyWindow), "must be positive."));
        }

        if (Heartbeat < TimeSpan.FromMilliseconds(100) || Heartbeat > TimeSpan.FromHours(1))
        {
            problems.Add(new(nameof(Heartbeat), $"must be between 0.1 s and 1 h (got {Heartbeat.TotalSeconds} s)."));
        }

        if (Retry < TimeSpan.FromMilliseconds(1) || Retry > TimeSpan.FromHours(1))
        {
            problems.Add(new(nameof(Retry), "must be between 1 ms and 1 h."));
        }

        if (MaxEventBytes < 1)
        {
            problems.Add(new(nameof(MaxEventBytes), "must be at least 1."));
        }

        if (MaxBatchBytes < 1)
        {
            problems.Add(new(nameof(MaxBatchBytes), "must be at least 1."));
        }

        if (MaxBatchEvents < 1)
        {
            problems.Add(new(nameof(MaxBatchEvents), "must be at least 1."));
        }

        if (DeliveryWindow < TimeSpan.Zero || DeliveryWindow > TimeSpan.FromSeconds(1))
        {
            problems.Add(new(nameof(DeliveryWindow), $"must be between 0 and 1 s (got {DeliveryWindow.TotalMilliseconds} ms)."));
        }

        if (HotTailMaxBytes < 1)
        {
            problems.Add(new(nameof(HotTailMaxBytes), "must be positive."));
        }

        if (MaxPageBytes < 1)
        {
            problems.Add(new(nameof(MaxPageBytes), "must be positive."));
        }

        if (HotTailCapacity is < 1 or > 1 << 20)
        {
            problems.Add(new(nameof(HotTailCapacity), "must be between 1 and 1048576."));
        }

        foreach (string key in PublisherKeys)
        {
            if (string.IsNullOrWhiteSpace(key) || key.Length < 16 || key.Any(char.IsWhiteSpace))
            {
                problems.Add(new(nameof(PublisherKeys), "must each be at least 16 characters with no whitespace."));
                break;
            }
        }

        if (SubscriberKey is not null && System.Text.Encoding.UTF8.GetByteCount(SubscriberKey) < 32)
        {
            problems.Add(new(nameof(SubscriberKey), "must be at least 32 bytes of UTF-8 (HS256 needs a 256-bit key); generate one with: openssl rand -base64 32"));
        }

        if (SubscriberTokenClockSkew < TimeSpan.Zero || SubscriberTokenClockSkew > TimeSpan.FromHours(1))
        {
            problems.Add(new(nameof(SubscriberTokenClockSkew), "must be between 0 and 1 h."));
        }

        foreach (string origin in CorsOrigins)
        {
            if (!HeraldCors.IsValidOrigin(origin))
            {
                problems.Add(new(nameof(CorsOrigins), $"must each be an origin such as https://app.example.com (scheme, host and optional port, no path) or *, not '{origin}'."));
            }
        }

        if (MaxConcurrentReads < 0)
        {
            problems.Add(new(nameof(MaxConcurrentReads), "must be 0 (no cap) or more."));
        }

        if (MaxConnections < 0)
        {
            problems.Add(new(nameof(MaxConnections), "must be 0 (no cap) or more."));
        }

        if (MaxConnectionsPerIp < 0)
        {
            problems.Add(new(nameof(MaxConnectionsPerIp), "must be 0 (no cap) or more."));
        }

        if (MaxStreamsPerSubscription is < 1 or > 1024)
        {
            problems.Add(new(nameof(MaxStreamsPerSubscription), $"must be between 1 and 1024 (got {MaxStreamsPerSubscription})."));
        }

        if (PublishRateLimit < 0)
        {
            problems.Add(new(nameof(PublishRateLimit), "must be 0 (no limit) or more."));
        }

        if (PublishBurst < 0)
        {
            problems.Add(new(nameof(PublishBurst), "must be 0 (one second's worth) or more."));
        }

        return problems;
    }

    /// <summary>
    /// Takes every setting of <paramref name="source"/>: the standalone server parses its command line into one
    /// <see cref="HeraldOptions"/>, validates it, and hands it to <c>AddHerald</c> with this. A test checks that it copies
    /// every public property, so a new option cannot be forgotten here.
    /// </summary>
    internal void CopyFrom(HeraldOptions source)
    {
        Retention = source.Retention;
        IdempotencyWindow = source.IdempotencyWindow;
        Heartbeat = source.Heartbeat;
        Retry = source.Retry;
        MaxEventBytes = source.MaxEventBytes;
        MaxBatchBytes = source.MaxBatchBytes;
        MaxBatchEvents = source.MaxBatchEvents;
        HotTailCapacity = source.HotTailCapacity;
        HotTailMaxBytes = source.HotTailMaxBytes;
        MaxPageBytes = source.MaxPageBytes;
        DeliveryWindow = source.DeliveryWindow;
        Replace(PublisherKeys, source.PublisherKeys);
        SubscriberKey = source.SubscriberKey;
        SubscriberTokenIssuer = source.SubscriberTokenIssuer;
        SubscriberTokenAudience = source.SubscriberTokenAudience;
        SubscriberTokenClockSkew = source.SubscriberTokenClockSkew;
        Replace(CorsOrigins, source.CorsOrigins);
        MaxConnections = source.MaxConnections;
        MaxConcurrentReads = source.MaxConcurrentReads;
        MaxConnectionsPerIp = source.MaxConnectionsPerIp;
        MaxStreamsPerSubscription = source.MaxStreamsPerSubscription;
        PublishRateLimit = source.PublishRateLimit;
        PublishBurst = source.PublishBurst;

        static void Replace(IList<string> target, IList<string> items)
        {
            target.Clear();
            foreach (string item in items)
            {
                target.Add(item);
            }
        }
    }

    /// <summary>The options every store takes (retention, idempotency window, clock), for a store registered with <see cref="HeraldBuilder.UseStore"/>.</summary>
    public EventLogOptions ToEventLogOptions(TimeProvider timeProvider) => new()
    {
        Retention = Retention,
        IdempotencyWindow = IdempotencyWindow,
        TimeProvider = timeProvider,
    };
}
