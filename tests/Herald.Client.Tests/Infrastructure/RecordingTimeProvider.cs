namespace Herald.Client.Tests.Infrastructure;

/// <summary>The system clock, noting the due time of every timer created through it (the client's waits between attempts).</summary>
internal sealed class RecordingTimeProvider : TimeProvider
{
    private readonly Lock _lock = new();
    private readonly List<TimeSpan> _delays = [];

    public IReadOnlyList<TimeSpan> Delays
    {
        get
        {
            lock (_lock)
            {
                return [.. _delays];
            }
        }
    }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        // A timer created disarmed is not a wait (the idle-timeout timer, armed per read); only waits are recorded.
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            lock (_lock)
            {
                _delays.Add(dueTime);
            }
        }

        return System.CreateTimer(callback, state, dueTime, period);
    }
}
