using System.Threading.RateLimiting;
using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Http.Limits;

/// <summary>
/// Caps the JSON reads that run at once (<c>info</c>, <c>events</c>, <c>GET /streams</c>): each holds a page of up to
/// <see cref="HeraldOptions.MaxPageBytes"/> while a client reads it, so their number bounds that memory as the SSE caps
/// bound subscriptions. Over the cap: <c>503</c> with <c>Retry-After</c>, at once (no queue to hold requests in).
/// Built on <see cref="ConcurrencyLimiter"/>, no middleware needed by the host.
/// </summary>
internal sealed class ReadLimits : IDisposable
{
    private readonly ConcurrencyLimiter? _limiter;

    public ReadLimits(IOptions<HeraldOptions> options)
    {
        int permits = options.Value.MaxConcurrentReads;
        if (permits > 0)
        {
            _limiter = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = permits, QueueLimit = 0 });
        }
    }

    /// <summary>A lease to dispose when the read is done; null when the cap is reached (answered 503).</summary>
    public async ValueTask<IDisposable?> EnterAsync(HttpContext context)
    {
        if (_limiter is null)
        {
            return NoLease.Instance;
        }

        RateLimitLease lease = _limiter.AttemptAcquire();
        if (lease.IsAcquired)
        {
            return lease;
        }

        lease.Dispose();
        await Problems.WriteAsync(context, new Problem(
            StatusCodes.Status503ServiceUnavailable,
            "too-many-reads",
            "Too many reads at once",
            "This node is serving as many info, events and stream-list requests as it takes at once; retry shortly.") { RetryAfterSeconds = 1 });
        return null;
    }

    public void Dispose() => _limiter?.Dispose();

    private sealed class NoLease : IDisposable
    {
        public static readonly NoLease Instance = new();

        public void Dispose()
        {
        }
    }
}
