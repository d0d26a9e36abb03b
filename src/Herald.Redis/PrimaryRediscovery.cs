using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Asks a connection's servers which one leads now, when the primary it knew is gone (a promoted replica), at most once
/// a second however many callers notice: the failover guard's checks, reads that need the primary, and the replicated
/// appends share the rule.
/// </summary>
internal sealed class PrimaryRediscovery(IConnectionMultiplexer redis, TimeProvider clock)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);
    private readonly Lock _lock = new();
    private long _last;
    private Task _latest = Task.CompletedTask;

    /// <summary>
    /// Reconfigures the connection, unless a reconfiguration is still running or started less than a second ago; then
    /// returns that one, so a caller that retries once it completes sees what it found.
    /// </summary>
    public Task RequestAsync()
    {
        lock (_lock)
        {
            long now = clock.GetTimestamp();
            if (_latest.IsCompleted && (_last == 0 || clock.GetElapsedTime(_last, now) >= s_interval))
            {
                _last = now;
                _latest = redis.ConfigureAsync();
            }

            return _latest;
        }
    }
}
