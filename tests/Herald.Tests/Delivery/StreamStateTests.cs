using Herald.Delivery;


namespace Herald.Tests.Delivery;

/// <summary>
/// The delivery window: appends in quick succession share one wake-up, but none is ever left without one — a cursor
/// that counted <see cref="StreamState.Wakes"/> before an append is always woken after it.
/// </summary>
public sealed class StreamStateTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan Window = TimeSpan.FromMilliseconds(5);

    [Fact]
    public async Task Advance_AfterAQuietSpell_WakesAtOnce()
    {
        using StreamState state = new("s", 16, Window, "epoch");
        using WakeWaiter waiter = new(CancellationToken.None);
        Task wake = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();

        state.Advance(1);

        // Woken at once: the cursor runs on the thread pool, not on the appending thread.
        await wake.WaitAsync(HangGuard);
        Assert.Equal(1, state.KnownLast);
    }

    [Fact]
    public async Task Advance_WithinTheWindow_IsWokenByTheWindowsEnd()
    {
        using StreamState state = new("s", 16, Window, "epoch");
        state.Advance(1); // opens a window

        using WakeWaiter waiter = new(CancellationToken.None);
        Task wake = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();
        state.Advance(2);
        state.Advance(3);

        // Held back for the rest of the window (unless the machine paused longer than it), never left waiting.
        await wake.WaitAsync(HangGuard);
        Assert.Equal(3, state.KnownLast);
    }

    [Fact]
    public async Task Advance_ManyInARowFromSeveralThreads_EveryWaiterIsWokenAndKnownLastIsTheHighest()
    {
        using StreamState state = new("s", 16, Window, "epoch");
        long next = 0;
        using WakeWaiter waiter = new(CancellationToken.None);
        for (int round = 0; round < 200; round++)
        {
            Task wake = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();
            await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => state.Advance(Interlocked.Increment(ref next)))));
            await wake.WaitAsync(HangGuard);
            Assert.Equal(Volatile.Read(ref next), state.KnownLast); // never a lower ID left behind by a racing thread
        }
    }

    [Fact]
    public void Advance_WithinALongWindow_HoldsTheWakeUpBack()
    {
        using StreamState state = new("s", 16, TimeSpan.FromHours(1), "epoch");
        state.Advance(1); // opens a window that will not end during the test

        long wakes = state.Wakes;
        state.Advance(2);

        Assert.Equal(wakes, state.Wakes);
        Assert.Equal(2, state.KnownLast);
    }

    [Fact]
    public void Advance_WithNoWindow_WakesAtOnceForEveryAppend()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        for (long id = 1; id <= 3; id++)
        {
            long wakes = state.Wakes;

            state.Advance(id);

            Assert.True(state.Wakes > wakes, $"append {id} did not wake the cursors at once");
        }
    }

    /// <summary>
    /// Issue 11: the last subscriber leaving disposes the stream's pacing timer while a commit may be reporting an append
    /// to the same state; the append must never surface ObjectDisposedException (on the memory store it reached the
    /// publisher as a 500 for an appended event). Each round races appends inside the window against the dispose.
    /// </summary>
    [Fact]
    public async Task Advance_RacingDispose_NeverThrows()
    {
        for (int round = 0; round < 500; round++)
        {
            StreamState state = new("s", 16, Window, "epoch");
            state.Advance(1); // the next appends fall inside the window: they arm the pacing timer
            using var start = new Barrier(2);
            Task appends = Task.Run(() =>
            {
                start.SignalAndWait(HangGuard);
                for (long id = 2; id < 50; id++)
                {
                    state.Advance(id);
                }
            });
            Task dispose = Task.Run(() =>
            {
                start.SignalAndWait(HangGuard);
                state.Dispose();
            });

            await Task.WhenAll(appends, dispose).WaitAsync(HangGuard);
            state.Advance(100); // after the dispose, too
        }
    }

    [Fact]
    public void EnsureEpoch_AnotherEpoch_ReplacesTheHotTailWithAnEmptyOneOfTheSameBounds()
    {
        using StreamState state = new("s", 64, Window, "epoch-1", hotTailMaxBytes: 4096);
        state.OnAppended(new EventsAppendedEventArgs("s", [new StoredEvent(1, null, "x"u8.ToArray())], 0));
        HotTail before = state.Tail;

        state.EnsureEpoch("epoch-1");
        Assert.Same(before, state.Tail);

        state.EnsureEpoch("epoch-2");
        Assert.NotSame(before, state.Tail);
        Assert.Equal(0, state.Tail.Last);
        Assert.Equal(64, state.Tail.Capacity);
        Assert.Equal(4096, state.Tail.MaxBytes);
    }
}
