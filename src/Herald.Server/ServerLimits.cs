using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Herald.Server;

/// <summary>Carries the command line's request limits into Kestrel's.</summary>
internal static class ServerLimits
{
    // Kestrel's body cap is a backstop behind Herald's own 413s: Herald reads one byte past its limit and answers
    // problem+json, and a socket read may bring a little more than that, so Kestrel must not fire first.
    private const int BodyHeadroomBytes = 1024 * 1024;

    public static void Apply(KestrelServerLimits limits, ServerSettings settings)
    {
        // Above the configured sizes, which RequestSizeLimits enforces with problem+json: Kestrel's own answer has no body.
        limits.MaxRequestHeadersTotalSize = settings.MaxRequestHeadersBytes * RequestSizeLimits.KestrelFactor;
        limits.MaxRequestLineSize = settings.MaxRequestLineBytes * RequestSizeLimits.KestrelFactor;
        limits.MaxRequestBodySize = (long)Math.Max(settings.Herald.MaxEventBytes, settings.Herald.MaxBatchBytes) + BodyHeadroomBytes;

        // Every TCP connection costs a socket and Kestrel's buffers, SSE or not: cap them all, with room above the
        // subscription cap for publishers and reads (--max-http-connections; 0: none).
        limits.MaxConcurrentConnections = settings.MaxHttpConnections > 0 ? settings.MaxHttpConnections : null;
    }
}
