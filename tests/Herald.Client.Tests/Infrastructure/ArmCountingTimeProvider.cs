using Microsoft.Extensions.Time.Testing;

namespace Herald.Client.Tests.Infrastructure;

/// <summary>
/// A fake clock that also counts how often its timers are armed. The client arms its idle timer when a read starts, so a
/// new arm means the previous read returned data: a test can move the clock on only after the connection was heard from,
/// instead of guessing with real delays whether a heartbeat has arrived yet.
/// </summary>
internal sealed class ArmCountingTimeProvider : FakeTimeProvider
{
    private int _arms;
    private int _timers;

    /// <summary>How many times a timer was created armed or re-armed with a finite due time.</summary>
    public int Arms => Volatile.Read(ref _arms);

    /// <summary>How many timers were created, armed or not.</summary>
    public int Timers => Volatile.Read(ref _timers);

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        Interlocked.Increment(ref _timers);
        Count(dueTime);
        return new CountingTimer(this, base.CreateTimer(callback, state, dueTime, period));
    }

    private void Count(TimeSpan dueTime)
    {
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            Interlocked.Increment(ref _arms);
        }
    }

    private sealed class CountingTimer(ArmCountingTimeProvider owner, ITimer inner) : ITimer
    {
        public bool Change(TimeSpan dueTime, TimeSpan period)
        {
            owner.Count(dueTime);
            return inner.Change(dueTime, period);
        }

        public void Dispose() => inner.Dispose();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
