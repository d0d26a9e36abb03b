using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Server;

/// <summary>Carries the security and limit settings of the command line into Herald's options and Kestrel's limits.</summary>
internal static class ServerLimits
{
    // Kestrel's body cap is a backstop behind Herald's own 413s: Herald reads one byte past its limit and answers
    // problem+json, and a socket read may bring a little more than that, so Kestrel must not fire first.
    private const int BodyHeadroomBytes = 1024 * 1024;

    public static void Apply(HeraldOptions options, ServerSettings settings)
    {
        options.SubscriberKey = settings.SubscriberKey;
        options.SubscriberTokenIssuer = settings.SubscriberIssuer;
        options.SubscriberTokenAudience = settings.SubscriberAudience;
        foreach (string origin in settings.CorsOrigins)
        {
            options.CorsOrigins.Add(origin);
        }

        options.MaxConnections = settings.MaxConnections;
        options.MaxConnectionsPerIp = settings.MaxConnectionsPerIp;
        options.PublishRateLimit = settings.PublishRate;
        options.PublishBurst = settings.PublishBurst;
        options.MaxEventBytes = settings.MaxEventBytes;
        options.MaxBatchBytes = settings.MaxBatchBytes;
        options.MaxPageBytes = settings.MaxPageBytes;
        options.MaxConcurrentReads = settings.MaxConcurrentReads;
    }

    public static void Apply(KestrelServerLimits limits, ServerSettings settings)
    {
        limits.MaxRequestHeadersTotalSize = settings.MaxRequestHeadersBytes;
        limits.MaxRequestLineSize = settings.MaxRequestLineBytes;
        limits.MaxRequestBodySize = (long)Math.Max(settings.MaxEventBytes, settings.MaxBatchBytes) + BodyHeadroomBytes;

        // Every TCP connection costs a socket and Kestrel's buffers, SSE or not: cap them all, with room above the
        // subscription cap for publishers and reads (--max-http-connections; 0: none).
        limits.MaxConcurrentConnections = settings.MaxHttpConnections > 0 ? settings.MaxHttpConnections : null;
    }
}
