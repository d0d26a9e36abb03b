using System.CommandLine;
using System.CommandLine.Invocation;
using Herald.Hosting;

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
        // One source of defaults: Herald's own options default as the library does, the server's as ServerSettings does.
        HeraldOptions heraldDefaults = new();
        ServerSettings serverDefaults = new();
        Option<string> urls = new("--urls") { Description = "Address to listen on. Binds to loopback unless told otherwise.", DefaultValueFactory = _ => ServerSettings.DefaultUrls, HelpName = "url" };
        Option<string> store = new("--store")
        {
            Description = "Where events live: sqlite:<path> (durable, the default); redis://[[user]:password@]host[:port][,host[:port]...][/db] or rediss:// (TLS) for several nodes sharing one log; or memory: (lost on restart: IDs start again at 1 and resuming clients get a reset frame).",
            DefaultValueFactory = _ => ServerSettings.DefaultStore,
            HelpName = "uri",
        };
        Option<long> retention = new("--retention") { Description = "Events kept per stream; at least the last N stay readable.", DefaultValueFactory = _ => heraldDefaults.Retention, HelpName = "events" };
        Option<string[]> publisherKeys = new("--publisher-key") { Description = "Bearer key that may publish (repeatable). Without any, only loopback clients may publish.", HelpName = "key", Arity = ArgumentArity.OneOrMore, AllowMultipleArgumentsPerToken = false };
        Option<string> subscriberKey = new("--subscriber-key")
        {
            Description = "Secret (at least 32 bytes) for subscriber JWTs (HS256). When set, subscribe, info and events need a token with an exp and a 'streams' claim listing the stream or *, in 'Authorization: Bearer' or ?access_token=.",
            HelpName = "secret",
        };
        Option<double> heartbeat = new("--heartbeat") { Description = "Seconds between heartbeat comments on idle streams.", DefaultValueFactory = _ => heraldDefaults.Heartbeat.TotalSeconds, HelpName = "seconds" };
        Option<double> deliveryWindow = new("--delivery-window")
        {
            Description = "Milliseconds events that follow one another on a stream are gathered into one write per subscriber: less CPU on busy streams, up to this much latency. 0: write every event at once.",
            DefaultValueFactory = _ => heraldDefaults.DeliveryWindow.TotalMilliseconds,
            HelpName = "ms",
        };
        Option<double> shutdownTimeout = new("--shutdown-timeout") { Description = "Seconds a graceful stop (SIGTERM) may take before requests are cut off.", DefaultValueFactory = _ => serverDefaults.ShutdownTimeout.TotalSeconds, HelpName = "seconds" };
        Option<string> synchronous = new("--sqlite-synchronous") { Description = "full (an acknowledged event survives power loss) or normal (survives a process crash, faster).", DefaultValueFactory = _ => "full", HelpName = "mode" };
        synchronous.AcceptOnlyFromAmong("full", "normal");
        Option<string> ioScheduling = new("--io-scheduling")
        {
            Description = "inline: a connection's socket reads and writes continue on the thread that completed them, Herald's code included (fewer thread hops; the default); threadpool: Kestrel's default, each step queued to its I/O queues.",
            DefaultValueFactory = _ => serverDefaults.InlineScheduling ? "inline" : "threadpool",
            HelpName = "mode",
        };
        ioScheduling.AcceptOnlyFromAmong("inline", "threadpool");
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
        Option<int> maxConnections = new("--max-connections") { Description = "Open SSE subscriptions this node accepts; more get 503 with Retry-After. 0: no cap. Lowered at start, with a warning, when it (or no cap) does not fit under the open-file limit.", DefaultValueFactory = _ => heraldDefaults.MaxConnections, HelpName = "n" };
        Option<int> maxConnectionsPerIp = new("--max-connections-per-ip")
        {
            Description = "Open SSE subscriptions per client IP address; more get 429 with Retry-After. 0: no cap. Behind a reverse proxy the address is the one its X-Forwarded-For names (see --trusted-proxy); raise it (or 0) for load tests from one address.",
            DefaultValueFactory = _ => heraldDefaults.MaxConnectionsPerIp,
            HelpName = "n",
        };
        Option<int> maxStreamsPerSubscription = new("--max-streams-per-subscription")
        {
            Description = "Streams one GET /subscribe connection may follow (1-1024); more get 400.",
            DefaultValueFactory = _ => heraldDefaults.MaxStreamsPerSubscription,
            HelpName = "n",
        };
        Option<string[]> trustedProxies = new("--trusted-proxy")
        {
            Description = "Address or CIDR network of a reverse proxy whose X-Forwarded-For names the client (repeatable; last hop only). Default: loopback, a proxy on this machine. Giving any replaces the default.",
            HelpName = "address|cidr",
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = false,
        };
        Option<int> publishRate = new("--publish-rate") { Description = "Publish requests per second per publisher (its key, else its IP), as a token bucket; over it: 429 with Retry-After. 0: no limit.", DefaultValueFactory = _ => heraldDefaults.PublishRateLimit, HelpName = "per-second" };
        Option<int> publishBurst = new("--publish-burst") { Description = "Publish requests a publisher may send at once above --publish-rate. 0: one second's worth.", DefaultValueFactory = _ => heraldDefaults.PublishBurst, HelpName = "requests" };
        Option<int> maxEventBytes = new("--max-event-bytes") { Description = "Largest body of a single publish; larger: 413.", DefaultValueFactory = _ => heraldDefaults.MaxEventBytes, HelpName = "bytes" };
        Option<int> maxHttpConnections = new("--max-http-connections") { Description = "TCP connections the server keeps open at once, subscriptions, publishers and reads together; more are closed as soon as they are accepted, with no answer. Default: --max-connections + 1000. 0: no cap. Lowered at start, with a warning, to what the open-file limit leaves room for (0 too).", DefaultValueFactory = _ => serverDefaults.MaxHttpConnections, HelpName = "n" };
        Option<int> maxConcurrentReads = new("--max-concurrent-reads") { Description = "info, events and stream-list requests served at once; more get 503 with Retry-After. 0: no cap.", DefaultValueFactory = _ => heraldDefaults.MaxConcurrentReads, HelpName = "n" };
        Option<int> maxPageBytes = new("--max-page-bytes") { Description = "Most bytes of event data in one page read from the store: an events response and each catch-up read of a subscriber; a page ends early rather than exceed it, and always holds one event.", DefaultValueFactory = _ => heraldDefaults.MaxPageBytes, HelpName = "bytes" };
        Option<int> maxBatchBytes = new("--max-batch-bytes") { Description = "Largest body of a batch publish; larger: 413.", DefaultValueFactory = _ => heraldDefaults.MaxBatchBytes, HelpName = "bytes" };
        Option<int> maxHeadersBytes = new("--max-request-headers-bytes") { Description = "Largest total size of a request's headers; larger: 431.", DefaultValueFactory = _ => serverDefaults.MaxRequestHeadersBytes, HelpName = "bytes" };
        Option<int> maxLineBytes = new("--max-request-line-bytes") { Description = "Largest request line (method, path and query); longer: 414.", DefaultValueFactory = _ => serverDefaults.MaxRequestLineBytes, HelpName = "bytes" };

        RootCommand root = new("Herald: a Server-Sent Events hub whose event IDs are 1, 2, 3, … per stream, never reused or reset.")
        {
            urls, store, retention, publisherKeys, subscriberKey, subscriberIssuer, subscriberAudience, allowedHosts, heartbeat, deliveryWindow, shutdownTimeout, synchronous, waitReplicas, ioScheduling,
            corsOrigins, trustedProxies, maxConnections, maxConnectionsPerIp, maxStreamsPerSubscription, publishRate, publishBurst, maxEventBytes, maxBatchBytes, maxPageBytes, maxHeadersBytes, maxLineBytes, maxHttpConnections, maxConcurrentReads,
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

        double shutdownValue = result.GetValue(shutdownTimeout);
        if (shutdownValue is < 0 or > 3600)
        {
            return Fail(error, "--shutdown-timeout must be between 0 and 3600 seconds");
        }

        int waitReplicasValue = result.GetValue(waitReplicas);
        if (waitReplicasValue > 0 && location.Kind != StoreKind.Redis)
        {
            return Fail(error, "--redis-wait-replicas needs a redis:// store");
        }

        if (result.GetResult(subscriberKey) is not null && result.GetValue(subscriberKey) is null)
        {
            return Fail(error, "--subscriber-key needs a value");
        }

        if (ServerLimitOptions.Check(result, [maxHttpConnections, waitReplicas], [maxEventBytes, maxBatchBytes, maxPageBytes, maxHeadersBytes, maxLineBytes], [maxHeadersBytes, maxLineBytes]) is string limitError)
        {
            return Fail(error, limitError);
        }

        HeraldOptions herald = new()
        {
            Retention = result.GetValue(retention),
            Heartbeat = Duration(result.GetValue(heartbeat), TimeSpan.FromSeconds),
            DeliveryWindow = Duration(result.GetValue(deliveryWindow), TimeSpan.FromMilliseconds),
            SubscriberKey = result.GetValue(subscriberKey),
            SubscriberTokenIssuer = result.GetValue(subscriberIssuer),
            SubscriberTokenAudience = result.GetValue(subscriberAudience),
            MaxConnections = result.GetValue(maxConnections),
            MaxConnectionsPerIp = result.GetValue(maxConnectionsPerIp),
            MaxStreamsPerSubscription = result.GetValue(maxStreamsPerSubscription),
            PublishRateLimit = result.GetValue(publishRate),
            PublishBurst = result.GetValue(publishBurst),
            MaxEventBytes = result.GetValue(maxEventBytes),
            MaxBatchBytes = result.GetValue(maxBatchBytes),
            MaxPageBytes = result.GetValue(maxPageBytes),
            MaxConcurrentReads = result.GetValue(maxConcurrentReads),
        };
        foreach (string key in result.GetValue(publisherKeys) ?? [])
        {
            herald.PublisherKeys.Add(key);
        }

        foreach (string origin in result.GetValue(corsOrigins) ?? [])
        {
            herald.CorsOrigins.Add(origin);
        }

        // The library's one validator, its messages naming the command-line option each property came from.
        Dictionary<string, Option> optionOf = new(StringComparer.Ordinal)
        {
            [nameof(HeraldOptions.Retention)] = retention,
            [nameof(HeraldOptions.Heartbeat)] = heartbeat,
            [nameof(HeraldOptions.DeliveryWindow)] = deliveryWindow,
            [nameof(HeraldOptions.PublisherKeys)] = publisherKeys,
            [nameof(HeraldOptions.SubscriberKey)] = subscriberKey,
            [nameof(HeraldOptions.CorsOrigins)] = corsOrigins,
            [nameof(HeraldOptions.MaxConnections)] = maxConnections,
            [nameof(HeraldOptions.MaxConnectionsPerIp)] = maxConnectionsPerIp,
            [nameof(HeraldOptions.MaxStreamsPerSubscription)] = maxStreamsPerSubscription,
            [nameof(HeraldOptions.PublishRateLimit)] = publishRate,
            [nameof(HeraldOptions.PublishBurst)] = publishBurst,
            [nameof(HeraldOptions.MaxEventBytes)] = maxEventBytes,
            [nameof(HeraldOptions.MaxBatchBytes)] = maxBatchBytes,
            [nameof(HeraldOptions.MaxPageBytes)] = maxPageBytes,
            [nameof(HeraldOptions.MaxConcurrentReads)] = maxConcurrentReads,
        };
        if (herald.FindProblems() is [OptionProblem problem, ..])
        {
            return Fail(error, $"{(optionOf.TryGetValue(problem.Option, out Option? option) ? option!.Name : problem.Option)} {problem.Problem}");
        }

        if ((herald.SubscriberTokenIssuer is not null || herald.SubscriberTokenAudience is not null) && herald.SubscriberKey is null)
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
            Herald = herald,
            Urls = urlValue,
            Store = location,
            ShutdownTimeout = TimeSpan.FromSeconds(shutdownValue),
            SqliteSynchronousFull = result.GetValue(synchronous) == "full",
            RedisWaitReplicas = waitReplicasValue,
            InlineScheduling = result.GetValue(ioScheduling) == "inline",
            AllowedHosts = hosts.Length > 0 ? hosts : AllowedHosts.DefaultFor(uri),
            TrustedProxies = proxies.Count > 0 ? proxies : TrustedProxies.Default,
            // Unless given: room above the subscription cap for publishers and reads, following --max-connections.
            MaxHttpConnections = result.GetResult(maxHttpConnections) is { Implicit: false }
                ? result.GetValue(maxHttpConnections)
                : herald.MaxConnections is 0 ? 0 : herald.MaxConnections + 1000,
            MaxRequestHeadersBytes = result.GetValue(maxHeadersBytes),
            MaxRequestLineBytes = result.GetValue(maxLineBytes),
        }, 0);
    }

    /// <summary>A duration from a number of units; one no TimeSpan can hold becomes the largest, for the validator to refuse.</summary>
    private static TimeSpan Duration(double value, Func<double, TimeSpan> from) =>
        double.IsFinite(value) && Math.Abs(value) < 1e9 ? from(value) : (value < 0 ? TimeSpan.MinValue : TimeSpan.MaxValue);

    private static (ServerSettings?, int) Fail(TextWriter error, string message)
    {
        // One line, whatever the parser's message looks like: scripts and log collectors read errors line by line.
        string oneLine = string.Join(' ', message.Split((char[])['\r', '\n', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
        error.WriteLine($"herald-server: {oneLine} (see --help)");
        return (null, BadUsage);
    }
}
