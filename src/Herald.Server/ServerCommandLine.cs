using System.CommandLine;
using System.CommandLine.Invocation;

namespace Herald.Server;

/// <summary>
/// docs/protocol.md "Command line": parses the options into <see cref="ServerSettings"/>. Bad options get a one-line error on
/// stderr and exit code 2, never a stack trace.
/// </summary>
internal static class ServerCommandLine
{
    public const int BadUsage = 2;

    /// <summary>The settings to run with, or the exit code to leave with (help printed: 0; bad options: 2).</summary>
    public static (ServerSettings? Settings, int ExitCode) Parse(string[] args, TextWriter output, TextWriter error)
    {
        Option<string> urls = new("--urls") { Description = "Address to listen on. Binds to loopback unless told otherwise.", DefaultValueFactory = _ => ServerSettings.DefaultUrls, HelpName = "url" };
        Option<string> store = new("--store")
        {
            Description = "Where events live: sqlite:<path> (durable, the default); redis://[[user]:password@]host[:port][,host[:port]...][/db] or rediss:// (TLS) for several nodes sharing one log; or memory: (lost on restart: IDs start again at 1 and resuming clients get a reset frame).",
            DefaultValueFactory = _ => ServerSettings.DefaultStore,
            HelpName = "uri",
        };
        Option<long> retention = new("--retention") { Description = "Events kept per stream; at least the last N stay readable.", DefaultValueFactory = _ => 100_000, HelpName = "events" };
        Option<string[]> publisherKeys = new("--publisher-key") { Description = "Bearer key that may publish (repeatable). Without any, only loopback clients may publish.", HelpName = "key", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        Option<string> subscriberKey = new("--subscriber-key")
        {
            Description = "Secret (at least 32 bytes) for subscriber JWTs (HS256). When set, subscribe, info and events need a token with an exp and a 'streams' claim listing the stream or *, in 'Authorization: Bearer' or ?access_token=.",
            HelpName = "secret",
        };
        Option<double> heartbeat = new("--heartbeat") { Description = "Seconds between heartbeat comments on idle streams.", DefaultValueFactory = _ => 15, HelpName = "seconds" };
        Option<double> deliveryWindow = new("--delivery-window")
        {
            Description = "Milliseconds events that follow one another on a stream are gathered into one write per subscriber: less CPU on busy streams, up to this much latency. 0: write every event at once.",
            DefaultValueFactory = _ => 5,
            HelpName = "ms",
        };
        Option<double> shutdownTimeout = new("--shutdown-timeout") { Description = "Seconds a graceful stop (SIGTERM) may take before requests are cut off.", DefaultValueFactory = _ => 10, HelpName = "seconds" };
        Option<string> synchronous = new("--sqlite-synchronous") { Description = "full (an acknowledged event survives power loss) or normal (survives a process crash, faster).", DefaultValueFactory = _ => "full", HelpName = "mode" };
        synchronous.AcceptOnlyFromAmong("full", "normal");
        Option<int> waitReplicas = new("--redis-wait-replicas")
        {
            Description = "With a redis:// store: replicas that must acknowledge each append (Redis WAIT) before it is answered 201; on timeout the publish gets 503. 0 (the default) does not wait.",
            DefaultValueFactory = _ => 0,
            HelpName = "n",
        };

        Option<string> subscriberIssuer = new("--subscriber-issuer") { Description = "With --subscriber-key: the 'iss' every subscriber token must carry. Unset: not checked.", HelpName = "issuer" };
        Option<string> subscriberAudience = new("--subscriber-audience") { Description = "With --subscriber-key: the 'aud' every subscriber token must carry. Unset: not checked.", HelpName = "audience" };
        Option<string[]> allowedHosts = new("--allowed-host")
        {
            Description = "Host name accepted in the Host header, any port (repeatable; *.example.com for subdomains); another Host gets 400 (no DNS rebinding). Default when --urls is loopback: localhost, 127.0.0.1 and [::1]; otherwise any.",
            HelpName = "name",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        Option<string[]> corsOrigins = new("--cors-origin") { Description = "Origin (scheme://host[:port]) whose browser pages may call the stream endpoints (repeatable); * allows any origin.", HelpName = "origin", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        Option<int> maxConnections = new("--max-connections") { Description = "Open SSE subscriptions this node accepts; more get 503 with Retry-After. 0: no cap.", DefaultValueFactory = _ => 10_000, HelpName = "n" };
        Option<int> maxConnectionsPerIp = new("--max-connections-per-ip")
        {
            Description = "Open SSE subscriptions per client IP address; more get 429 with Retry-After. 0: no cap. Behind a reverse proxy the address is the one its X-Forwarded-For names (see --trusted-proxy); raise it (or 0) for load tests from one address.",
            DefaultValueFactory = _ => 100,
            HelpName = "n",
        };
        Option<string[]> trustedProxies = new("--trusted-proxy")
        {
            Description = "Address or CIDR network of a reverse proxy whose X-Forwarded-For names the client (repeatable; last hop only). Default: loopback, a proxy on this machine. Giving any replaces the default.",
            HelpName = "address|cidr",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        Option<int> publishRate = new("--publish-rate") { Description = "Publish requests per second per publisher (its key, else its IP), as a token bucket; over it: 429 with Retry-After. 0: no limit.", DefaultValueFactory = _ => 0, HelpName = "per-second" };
        Option<int> publishBurst = new("--publish-burst") { Description = "Publish requests a publisher may send at once above --publish-rate. 0: one second's worth.", DefaultValueFactory = _ => 0, HelpName = "requests" };
        Option<int> maxEventBytes = new("--max-event-bytes") { Description = "Largest body of a single publish; larger: 413.", DefaultValueFactory = _ => 1024 * 1024, HelpName = "bytes" };
        Option<int> maxHttpConnections = new("--max-http-connections") { Description = "TCP connections the server keeps open at once, subscriptions, publishers and reads together; more wait in the listen backlog. Default: --max-connections + 1000. 0: no cap.", DefaultValueFactory = _ => 11_000, HelpName = "n" };
        Option<int> maxConcurrentReads = new("--max-concurrent-reads") { Description = "info, events and stream-list requests served at once; more get 503 with Retry-After. 0: no cap.", DefaultValueFactory = _ => 256, HelpName = "n" };
        Option<int> maxPageBytes = new("--max-page-bytes") { Description = "Most bytes of event data in one page read from the store: an events response and each catch-up read of a subscriber; a page ends early rather than exceed it, and always holds one event.", DefaultValueFactory = _ => 4 * 1024 * 1024, HelpName = "bytes" };
        Option<int> maxBatchBytes = new("--max-batch-bytes") { Description = "Largest body of a batch publish; larger: 413.", DefaultValueFactory = _ => 16 * 1024 * 1024, HelpName = "bytes" };
        Option<int> maxHeadersBytes = new("--max-request-headers-bytes") { Description = "Largest total size of a request's headers; larger: 431.", DefaultValueFactory = _ => 32 * 1024, HelpName = "bytes" };
        Option<int> maxLineBytes = new("--max-request-line-bytes") { Description = "Largest request line (method, path and query); longer: 414.", DefaultValueFactory = _ => 8 * 1024, HelpName = "bytes" };

        RootCommand root = new("Herald: a Server-Sent Events hub whose event IDs are 1, 2, 3, … per stream, never reused or reset.")
        {
            urls, store, retention, publisherKeys, subscriberKey, subscriberIssuer, subscriberAudience, allowedHosts, heartbeat, deliveryWindow, shutdownTimeout, synchronous, waitReplicas,
            corsOrigins, trustedProxies, maxConnections, maxConnectionsPerIp, publishRate, publishBurst, maxEventBytes, maxBatchBytes, maxPageBytes, maxHeadersBytes, maxLineBytes, maxHttpConnections, maxConcurrentReads,
        };

        ParseResult result = root.Parse(args);
        if (result.Errors.Count > 0)
        {
            return Fail(error, result.Errors[0].Message);
        }

        if (result.Action is not null && result.Action is not ParseErrorAction)
        {
            // --help (or --version): let the library print it.
            result.Invoke(new InvocationConfiguration { Output = output, Error = error });
            return (null, 0);
        }

        if (!StoreLocation.TryParse(result.GetValue(store)!, out StoreLocation? location, out string? storeError))
        {
            return Fail(error, storeError!);
        }

        string urlValue = result.GetValue(urls)!;
        if (!Uri.TryCreate(urlValue, UriKind.Absolute, out Uri? uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            return Fail(error, $"--urls must be an http:// or https:// address, not '{urlValue}'");
        }

        long retentionValue = result.GetValue(retention);
        double heartbeatValue = result.GetValue(heartbeat);
        double shutdownValue = result.GetValue(shutdownTimeout);
        string[] keys = result.GetValue(publisherKeys) ?? [];
        if (retentionValue < 1)
        {
            return Fail(error, "--retention must be at least 1");
        }

        if (heartbeatValue is < 0.1 or > 3600)
        {
            return Fail(error, "--heartbeat must be between 0.1 and 3600 seconds");
        }

        double windowValue = result.GetValue(deliveryWindow);
        if (windowValue is < 0 or > 1000)
        {
            return Fail(error, "--delivery-window must be between 0 and 1000 milliseconds");
        }

        if (shutdownValue is < 0 or > 3600)
        {
            return Fail(error, "--shutdown-timeout must be between 0 and 3600 seconds");
        }

        int waitReplicasValue = result.GetValue(waitReplicas);
        if (waitReplicasValue < 0)
        {
            return Fail(error, "--redis-wait-replicas must be 0 or more");
        }

        if (waitReplicasValue > 0 && location.Kind != StoreKind.Redis)
        {
            return Fail(error, "--redis-wait-replicas needs a redis:// store");
        }

        if (keys.Any(k => k.Length < 16 || k.Any(char.IsWhiteSpace)))
        {
            return Fail(error, "--publisher-key must be at least 16 characters with no whitespace");
        }

        if (ServerLimitOptions.Check(result, subscriberKey, corsOrigins, [maxConnections, maxConnectionsPerIp, publishRate, publishBurst, maxHttpConnections, maxConcurrentReads], [maxEventBytes, maxBatchBytes, maxPageBytes, maxHeadersBytes, maxLineBytes], [maxHeadersBytes, maxLineBytes]) is string limitError)
        {
            return Fail(error, limitError);
        }

        if ((result.GetValue(subscriberIssuer) is not null || result.GetValue(subscriberAudience) is not null) && result.GetValue(subscriberKey) is null)
        {
            return Fail(error, "--subscriber-issuer and --subscriber-audience need --subscriber-key");
        }

        string[] hosts = result.GetValue(allowedHosts) ?? [];
        if (hosts.FirstOrDefault(h => !AllowedHosts.IsValidPattern(h)) is string badHost)
        {
            return Fail(error, $"--allowed-host must be a host name or address without scheme, port or path (e.g. app.example.com, *.example.com, [::1]), not '{badHost}'");
        }

        List<System.Net.IPNetwork> proxies = [];
        foreach (string proxy in result.GetValue(trustedProxies) ?? [])
        {
            if (!TrustedProxies.TryParse(proxy, out System.Net.IPNetwork network))
            {
                return Fail(error, $"--trusted-proxy must be an IP address (10.0.0.2) or a network in CIDR form (10.0.0.0/24), not '{proxy}'");
            }

            proxies.Add(network);
        }

        return (new ServerSettings
        {
            Urls = urlValue,
            Store = location,
            Retention = retentionValue,
            PublisherKeys = keys,
            Heartbeat = TimeSpan.FromSeconds(heartbeatValue),
            ShutdownTimeout = TimeSpan.FromSeconds(shutdownValue),
            DeliveryWindow = TimeSpan.FromMilliseconds(windowValue),
            SqliteSynchronousFull = result.GetValue(synchronous) == "full",
            RedisWaitReplicas = waitReplicasValue,
            SubscriberKey = result.GetValue(subscriberKey),
            SubscriberIssuer = result.GetValue(subscriberIssuer),
            SubscriberAudience = result.GetValue(subscriberAudience),
            AllowedHosts = hosts.Length > 0 ? hosts : AllowedHosts.DefaultFor(uri),
            CorsOrigins = result.GetValue(corsOrigins) ?? [],
            TrustedProxies = proxies.Count > 0 ? proxies : TrustedProxies.Default,
            MaxConnections = result.GetValue(maxConnections),
            MaxConnectionsPerIp = result.GetValue(maxConnectionsPerIp),
            PublishRate = result.GetValue(publishRate),
            PublishBurst = result.GetValue(publishBurst),
            MaxEventBytes = result.GetValue(maxEventBytes),
            MaxBatchBytes = result.GetValue(maxBatchBytes),
            MaxPageBytes = result.GetValue(maxPageBytes),
            // Unless given: room above the subscription cap for publishers and reads, following --max-connections.
            MaxHttpConnections = result.GetResult(maxHttpConnections) is { Implicit: false }
                ? result.GetValue(maxHttpConnections)
                : result.GetValue(maxConnections) is 0 ? 0 : result.GetValue(maxConnections) + 1000,
            MaxConcurrentReads = result.GetValue(maxConcurrentReads),
            MaxRequestHeadersBytes = result.GetValue(maxHeadersBytes),
            MaxRequestLineBytes = result.GetValue(maxLineBytes),
        }, 0);
    }

    private static (ServerSettings?, int) Fail(TextWriter error, string message)
    {
        // One line, whatever the parser's message looks like: scripts and log collectors read errors line by line.
        string oneLine = string.Join(' ', message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        error.WriteLine($"herald-server: {oneLine} (see --help)");
        return (null, BadUsage);
    }
}
