using System.Security.Cryptography;
using System.Text;
using System.Threading.RateLimiting;
using Herald.Hosting;
using Herald.Http.Formats;
using Herald.Http.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Http.Limits;

/// <summary>
/// <see cref="HeraldOptions.PublishRateLimit"/>: a token bucket per publisher (System.Threading.RateLimiting), keyed by
/// its publisher key when keys are configured (behind a proxy every publisher has the proxy's address) and by its IP
/// address otherwise. Over the rate: <c>429</c> with <c>Retry-After</c>; other publishers are not affected.
/// </summary>
internal sealed class PublishRateLimit : IDisposable
{
    private readonly PartitionedRateLimiter<HttpContext>? _limiter;
    private readonly HeraldMetrics _metrics;
    private readonly int _rate;

    public PublishRateLimit(IOptions<HeraldOptions> options, HeraldMetrics metrics)
    {
        _metrics = metrics;
        _rate = options.Value.PublishRateLimit;
        if (_rate == 0)
        {
            return;
        }

        int burst = options.Value.PublishBurst > 0 ? options.Value.PublishBurst : _rate;
        bool byKey = options.Value.PublisherKeys.Count > 0;
        _limiter = PartitionedRateLimiter.Create<HttpContext, string>(context => RateLimitPartition.GetTokenBucketLimiter(
            PartitionKey(context, byKey),
            _ => new TokenBucketRateLimiterOptions
            {
                TokenLimit = burst,
                TokensPerPeriod = _rate,
                ReplenishmentPeriod = TimeSpan.FromSeconds(1),
                QueueLimit = 0, // refuse at once: a queued publish would hold its connection and its memory
                AutoReplenishment = true,
            }));
    }

    /// <summary>Null when the publish may go on; else the 429 to answer. Call it after the publisher is authorized.</summary>
    public Problem? Check(HttpContext context)
    {
        if (_limiter is null)
        {
            return null;
        }

        using RateLimitLease lease = _limiter.AttemptAcquire(context);
        if (lease.IsAcquired)
        {
            return null;
        }

        _metrics.PublishesRateLimited.Add(1);
        int retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan wait) ? Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)) : 1;
        return new Problem(
            StatusCodes.Status429TooManyRequests,
            "rate-limited",
            "Publish rate exceeded",
            $"This publisher may send {_rate} publish requests per second; nothing was appended. Retry after the Retry-After delay.")
        { RetryAfterSeconds = retryAfter };
    }

    public void Dispose() => _limiter?.Dispose();

    // Only an authorized key reaches this point, so the partitions stay as few as the configured keys.
    private static string PartitionKey(HttpContext context, bool byKey)
    {
        string? header = context.Request.Headers.Authorization;
        if (byKey && header is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return "key:" + Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(header.AsSpan(7).Trim().ToString())));
        }

        return "ip:" + ClientAddress.Of(context); // IPv6 per /64
    }
}
