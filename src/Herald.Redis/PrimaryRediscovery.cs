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
    private long _last;
    private Task _latest = Task.CompletedTask;

    /// <summary>
    /// Reconfigures the connection unless that was asked less than a second ago; then returns that reconfiguration, so a
    /// caller that retries once it completes sees what it found.
    /// </summary>
    public Task RequestAsync()
    {
        long now = clock.GetTimestamp();
        long last = Interlocked.Read(ref _last);
        bool due = last == 0 || clock.GetElapsedTime(last, now) >= s_interval;
        if (due && Interlocked.CompareExchange(ref _last, now, last) == last)
        {
            Task started = redis.ConfigureAsync();
            Volatile.Write(ref _latest, started);
            return started;
        }

        return Volatile.Read(ref _latest);
    }
}
