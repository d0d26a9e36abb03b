using Herald.Sse;

namespace Herald.Delivery;

/// <summary>
/// What the node keeps for a stream while it has subscribers: the hot tail and the wake-up signal its cursors share. It
/// observes the stream's appends (<see cref="IEventLog.Watch"/>) while it has subscribers.
/// </summary>
internal sealed class StreamState : IAppendObserver, IDisposable
{
    /// <summary>
    /// The shortest time between two append wake-ups of a stream's cursors (<see cref="HeraldOptions.DeliveryWindow"/>).
    /// An append after a quiet spell wakes them at once; appends that follow sooner wait for the rest of the window, so
    /// that each cursor then writes everything that arrived in one flush (one send per subscriber instead of one per
    /// event). At 2,000 events/s a 5 ms window turns ten flushes per subscriber into one, for at most 5 ms of latency.
    /// </summary>
    private readonly long _windowTicks;

    private readonly Lock _waitLock = new();
    private List<WakeWaiter> _waiting = [];
    private long _wakes;
    private long _knownLast;
    private long _readLast = -1;
    private readonly HashSet<SubscriptionCursor> _cursors = [];
    private long _lastAppendWake = long.MinValue / 2;
    private int _wakeScheduled;
    private int _passes; // wake-ups whose cursors are still being run (WakeDispatch)
    private int _wakeAfterPass; // 1: an append came while a pass ran; the pass's end wakes the cursors again
    private readonly Action _passFinished;
    private ITimer? _pacer;
    private volatile bool _disposed;
    private HotTail _tail;
    private string _epoch;

    public StreamState(string name, int hotTailCapacity, TimeSpan deliveryWindow, string epoch, long hotTailMaxBytes = long.MaxValue)
    {
        Name = name;
        _tail = new HotTail(hotTailCapacity, hotTailMaxBytes);
        _epoch = epoch;
        _windowTicks = (long)(deliveryWindow.TotalSeconds * System.Diagnostics.Stopwatch.Frequency);
        _passFinished = PassFinished;
    }

    public string Name { get; }

    public HotTail Tail => Volatile.Read(ref _tail);

    /// <summary>
    /// Forgets the hot tail when the store moved to another epoch (a distributed store that lost writes): the tail may
    /// hold events the store no longer has, and a cursor reset to the start must read the store, not them.
    /// </summary>
    public void EnsureEpoch(string epoch)
    {
        if (string.Equals(Volatile.Read(ref _epoch), epoch, StringComparison.Ordinal))
        {
            return;
        }

        lock (_cursors)
        {
            if (!string.Equals(_epoch, epoch, StringComparison.Ordinal))
            {
                Volatile.Write(ref _tail, new HotTail(_tail.Capacity, _tail.MaxBytes));
                Volatile.Write(ref _readLast, -1);
                Volatile.Write(ref _epoch, epoch);
            }
        }
    }

    /// <summary>Guarded by the hub's lock.</summary>
    public int Subscribers { get; set; }

    /// <summary>The store's watch on this stream (<see cref="IEventLog.Watch"/>), held while the stream has subscribers; guarded by the hub's lock.</summary>
    public IDisposable? Watch { get; set; }

    /// <summary>The highest ID appended since this state was created; a cursor below it has something to read.</summary>
    public long KnownLast => Volatile.Read(ref _knownLast);

    /// <summary>
    /// The stream's last ID as this node knows it without asking the store, for a subscriber that starts live: the newest
    /// <c>last</c> a store read gave since this state began observing the stream, or a later append it was told of.
    /// False until one such read was recorded (<see cref="RecordLast"/>). Never above the store's last; it can be below
    /// when an append is committed but not yet reported, and then the live subscriber receives that append too.
    /// </summary>
    public bool TryGetLiveLast(out long last)
    {
        long read = Volatile.Read(ref _readLast);
        last = Math.Max(read, KnownLast);
        return read >= 0;
    }

    /// <summary>Records the <c>last</c> of a store read made while this state observes the stream (after the hub's <c>Acquire</c>).</summary>
    public void RecordLast(long last) => RaiseTo(ref _readLast, last);

    /// <summary>
    /// Counts this stream's wake-ups: a cursor takes it before reading and passes it to <see cref="WaitForWakeAsync"/>, so a
    /// wake-up between its read and its wait is never slept through.
    /// </summary>
    public long Wakes => Volatile.Read(ref _wakes);

    /// <summary>
    /// Completes at the first wake-up (append, heartbeat tick, shutdown) after <paramref name="seen"/> (<see cref="Wakes"/>
    /// taken before reading) — at once if there was one — or fails with <see cref="OperationCanceledException"/> when the
    /// waiter's connection is gone.
    /// </summary>
    public ValueTask WaitForWakeAsync(WakeWaiter waiter, long seen)
    {
        short token;
        lock (_waitLock)
        {
            if (_wakes != seen)
            {
                return ValueTask.CompletedTask;
            }

            token = waiter.Arm();
            _waiting.Add(waiter);
        }

        waiter.CancelIfAborted();
        return new ValueTask(waiter, token);
    }

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

    /// <summary>
    /// Puts what the store committed into the hot tail and wakes the cursors. Runs on the store's thread, so it encodes
    /// nothing (the first cursor that reads an event encodes it, once for every subscriber, and events the ring drops
    /// unread are never encoded), and it skips what the ring's slots cannot hold: of a 10,000-event batch into 4,096
    /// slots, the first 5,904 would be overwritten before anyone could read them.
    /// </summary>
    public void OnAppended(EventsAppendedEventArgs appended)
    {
        IReadOnlyList<StoredEvent> events = appended.Events;
        HotTail tail = Tail;
        for (int i = Math.Max(0, events.Count - tail.Capacity); i < events.Count; i++)
        {
            tail.Append(new EncodedEvent(events[i], appended.CommittedTimestamp));
        }

        Advance(events[^1].Id);
    }

    public void Advance(long last)
    {
        RaiseTo(ref _knownLast, last);
        WakeForAppend();
    }

    /// <summary>A monotonic max: two writers racing must never leave the lower of their values.</summary>
    private static void RaiseTo(ref long field, long value)
    {
        long seen = Volatile.Read(ref field);
        while (value > seen)
        {
            long found = Interlocked.CompareExchange(ref field, value, seen);
            if (found == seen)
            {
                return;
            }

            seen = found;
        }
    }

    /// <summary>Stops the pacing timer; the hub calls it when the stream's last subscriber leaves.</summary>
    public void Dispose()
    {
        _disposed = true;
        Interlocked.Exchange(ref _pacer, null)?.Dispose();
    }

    /// <summary>
    /// Wakes the cursors now, or at the end of the current delivery window when they were woken for an append
    /// less than a window ago. Wall-clock pacing (not the hub's TimeProvider): it is a batching delay, not a timeout.
    /// </summary>
    private void WakeForAppend()
    {
        if (DeferToRunningPass())
        {
            return;
        }

        long now = System.Diagnostics.Stopwatch.GetTimestamp();
        long since = now - Volatile.Read(ref _lastAppendWake);
        if (since >= _windowTicks)
        {
            Volatile.Write(ref _lastAppendWake, now);
            WakeForAppendNow();
            return;
        }

        // One timer for the stream, armed once per window; whatever is appended meanwhile goes out with its wake-up.
        if (Interlocked.Exchange(ref _wakeScheduled, 1) == 0 && !_disposed)
        {
            try
            {
                ITimer pacer = Volatile.Read(ref _pacer) ?? CreatePacer();
                pacer.Change(TimeSpan.FromSeconds((double)(_windowTicks - since) / System.Diagnostics.Stopwatch.Frequency), Timeout.InfiniteTimeSpan);
            }
            catch (ObjectDisposedException)
            {
                // The last subscriber left while this append was being reported: nobody is left to wake.
            }
        }
    }

    private ITimer CreatePacer()
    {
        ITimer created = TimeProvider.System.CreateTimer(static s => ((StreamState)s!).OnPacerDue(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        ITimer? existing = Interlocked.CompareExchange(ref _pacer, created, null);
        if (existing is null)
        {
            return created;
        }

        created.Dispose();
        return existing;
    }

    private void OnPacerDue()
    {
        // Clear the flag before waking: an append racing with this wake-up arms the timer again rather than being missed.
        Volatile.Write(ref _wakeScheduled, 0);
        if (DeferToRunningPass())
        {
            return;
        }

        Volatile.Write(ref _lastAppendWake, System.Diagnostics.Stopwatch.GetTimestamp());
        WakeForAppendNow();
    }

    /// <summary>
    /// True when an append's wake-up's cursors are still being run: the append waits for that pass to end (<see cref="PassFinished"/>)
    /// instead of waking the cursors the pass already ran while the rest still wait for their turn. On a saturated node a
    /// pass over many subscribers outlasts the delivery window, and a wake-up per window would send the first cursors of
    /// the list a few events each, over and over, and the last ones rarely; one wake-up per pass sends every cursor
    /// everything that came during the pass, in one flush.
    /// </summary>
    private bool DeferToRunningPass()
    {
        if (Volatile.Read(ref _passes) == 0)
        {
            return false;
        }

        // Raise the flag, then look again: a pass that ended in between either took the flag (and wakes) or left it to us.
        Interlocked.Exchange(ref _wakeAfterPass, 1);
        return Volatile.Read(ref _passes) > 0 || Interlocked.Exchange(ref _wakeAfterPass, 0) == 0;
    }

    private void PassFinished()
    {
        Interlocked.Decrement(ref _passes);
        if (Interlocked.Exchange(ref _wakeAfterPass, 0) == 1)
        {
            WakeForAppend();
        }
    }

    /// <summary>
    /// Wakes every cursor on the stream (a heartbeat tick, shutdown); they run on the thread pool (<see cref="WakeDispatch"/>),
    /// never on the caller. Appends wake them through the delivery window instead.
    /// </summary>
    public void Wake()
    {
        if (TakeWaiting() is { } woken)
        {
            WakeDispatch.Start(woken);
        }
    }

    // An append's wake-up: a pass over several cursors is counted until it ends, so that appends meanwhile wait for it.
    private void WakeForAppendNow()
    {
        if (TakeWaiting() is not { } woken)
        {
            return;
        }

        if (woken.Count > 1)
        {
            Interlocked.Increment(ref _passes); // WakeDispatch reports such a pass's end, and only such a pass's
        }

        WakeDispatch.Start(woken, _passFinished);
    }

    private List<WakeWaiter>? TakeWaiting()
    {
        lock (_waitLock)
        {
            _wakes++;
            if (_waiting.Count == 0)
            {
                return null;
            }

            List<WakeWaiter> woken = _waiting;
            _waiting = new List<WakeWaiter>(woken.Count);
            return woken;
        }
    }
}
