using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Asks a connection's servers which one leads now, when the primary it knew is gone (a promoted replica), at most once
/// a second however many callers notice: the failover guard's checks and the replicated appends share the rule.
/// </summary>
internal sealed class PrimaryRediscovery(IConnectionMultiplexer redis, TimeProvider clock)
{
    private static readonly TimeSpan s_interval = TimeSpan.FromSeconds(1);
    private long _last;

    /// <summary>Reconfigures the connection unless that was asked less than a second ago (then completes at once).</summary>
    public Task RequestAsync()
    {
        long now = clock.GetTimestamp();
        long last = Interlocked.Read(ref _last);
        bool due = last == 0 || clock.GetElapsedTime(last, now) >= s_interval;
        return due && Interlocked.CompareExchange(ref _last, now, last) == last ? redis.ConfigureAsync() : Task.CompletedTask;
    }
}
