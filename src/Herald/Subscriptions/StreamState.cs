namespace Herald.Subscriptions;

/// <summary>What the node keeps for a stream while it has subscribers: the hot tail and the wake-up signal its cursors share.</summary>
internal sealed class StreamState
{
    private TaskCompletionSource _wake = NewSource();
    private long _knownLast;
    private readonly HashSet<SubscriptionCursor> _cursors = [];

    public StreamState(string name, int hotTailCapacity)
    {
        Name = name;
        Tail = new HotTail(hotTailCapacity);
    }

    public string Name { get; }

    public HotTail Tail { get; }

    /// <summary>Guarded by the hub's lock.</summary>
    public int Subscribers { get; set; }

    /// <summary>The store's watch on this stream (<see cref="IWatchableEventLog"/>), held while the stream has subscribers; guarded by the hub's lock.</summary>
    public IDisposable? Watch { get; set; }

    /// <summary>The highest ID appended since this state was created; a cursor below it has something to read.</summary>
    public long KnownLast => Volatile.Read(ref _knownLast);

    /// <summary>Completes at the next append, heartbeat tick, shutdown or disconnect. Take it before reading, so nothing slips between.</summary>
    public Task NextWake => Volatile.Read(ref _wake).Task;

    /// <summary>Registers an open cursor so that the lag sampler can see it; removed with <see cref="RemoveCursor"/>.</summary>
    public void AddCursor(SubscriptionCursor cursor)
    {
        lock (_cursors)
        {
            _cursors.Add(cursor);
        }
    }

    public void RemoveCursor(SubscriptionCursor cursor)
    {
        lock (_cursors)
        {
            _cursors.Remove(cursor);
        }
    }

    /// <summary>Adds each open cursor's distance, in events, from the stream's last known ID.</summary>
    public void CollectLags(List<long> lags)
    {
        long known = KnownLast;
        lock (_cursors)
        {
            foreach (SubscriptionCursor cursor in _cursors)
            {
                lags.Add(Math.Max(0, Math.Max(known, cursor.StreamLastAtStart) - cursor.Position));
            }
        }
    }

    public void Advance(long last)
    {
        if (last > _knownLast)
        {
            Volatile.Write(ref _knownLast, last);
        }

        Wake();
    }

    /// <summary>Wakes every cursor on the stream; continuations run on the thread pool, never on the caller (STYLE.md §8).</summary>
    public void Wake() => Interlocked.Exchange(ref _wake, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
