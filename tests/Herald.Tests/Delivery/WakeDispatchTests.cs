using Herald.Delivery;

namespace Herald.Tests.Delivery;

/// <summary>
/// A cursor's wait for its stream (<see cref="StreamState.WaitForWakeAsync"/>, <see cref="WakeWaiter"/>,
/// <see cref="WakeDispatch"/>): a wake-up is never slept through, every waiter of a large stream is woken exactly once
/// per wake-up, a disconnect ends only its own cursor's wait, and one waiter serves a cursor's whole life.
/// </summary>
public sealed class WakeDispatchTests
{
    private static readonly TimeSpan HangGuard = TimeSpan.FromSeconds(10);

    [Fact]
    public async Task Wait_AfterAWakeItHadNotCountedYet_CompletesAtOnce()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using WakeWaiter waiter = new(CancellationToken.None);
        long seen = state.Wakes;

        state.Wake(); // between the cursor's read and its wait
        ValueTask wait = state.WaitForWakeAsync(waiter, seen);

        Assert.True(wait.IsCompletedSuccessfully);
        await wait;
    }

    [Fact]
    public async Task Wait_BeforeAnyWake_WaitsForTheNextOne()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using WakeWaiter waiter = new(CancellationToken.None);

        Task wait = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();
        await Task.Delay(50);
        Assert.False(wait.IsCompleted);

        state.Wake();
        await wait.WaitAsync(HangGuard);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(127)]
    [InlineData(128)]
    [InlineData(129)]
    [InlineData(1000)]
    public async Task OneWake_WakesEveryWaiterExactlyOnce(int waiters)
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        int[] woken = new int[waiters];
        TaskCompletionSource[] armed = [.. Enumerable.Range(0, waiters).Select(_ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously))];
        using CancellationTokenSource stop = new();
        Task[] loops = [.. Enumerable.Range(0, waiters).Select(i => WaitLoopAsync(state, i, woken, armed, stop.Token))];
        await Task.WhenAll(armed.Select(a => a.Task)).WaitAsync(HangGuard);

        for (int round = 1; round <= 3; round++)
        {
            foreach (int i in Enumerable.Range(0, waiters))
            {
                armed[i] = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            state.Wake();
            await Task.WhenAll(armed.Select(a => a.Task)).WaitAsync(HangGuard);
            Assert.All(woken, count => Assert.Equal(round, count));
        }

        await stop.CancelAsync();
        await Task.WhenAll(loops).WaitAsync(HangGuard);
    }

    [Fact]
    public async Task Disconnect_EndsOnlyThatCursorsWait_TheOthersAreWokenAsBefore()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using CancellationTokenSource gone = new();
        using WakeWaiter leaving = new(gone.Token);
        using WakeWaiter staying = new(CancellationToken.None);
        Task leavingWait = state.WaitForWakeAsync(leaving, state.Wakes).AsTask();
        Task stayingWait = state.WaitForWakeAsync(staying, state.Wakes).AsTask();

        await gone.CancelAsync();

        OperationCanceledException ended = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leavingWait.WaitAsync(HangGuard));
        Assert.Equal(gone.Token, ended.CancellationToken);
        Assert.False(stayingWait.IsCompleted);

        state.Wake(); // the departed waiter is still listed for this wake-up: it must be passed over
        await stayingWait.WaitAsync(HangGuard);
    }

    /// <summary>
    /// A disconnect and a wake-up racing on two threads, round after round: the departing cursor's wait ends one way or
    /// the other, never both and never neither, and a cursor beside it is woken every round.
    /// </summary>
    [Fact]
    public async Task DisconnectRacingAWake_EveryWaitEndsOnce_TheOtherCursorIsAlwaysWoken()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using WakeWaiter staying = new(CancellationToken.None);
        for (int round = 0; round < 500; round++)
        {
            using CancellationTokenSource gone = new();
            using WakeWaiter leaving = new(gone.Token);
            long seen = state.Wakes;
            Task leavingWait = state.WaitForWakeAsync(leaving, seen).AsTask();
            Task stayingWait = state.WaitForWakeAsync(staying, seen).AsTask();
            using Barrier start = new(2);

            await Task.WhenAll(
                Task.Run(() => { start.SignalAndWait(HangGuard); gone.Cancel(); }),
                Task.Run(() => { start.SignalAndWait(HangGuard); state.Wake(); })).WaitAsync(HangGuard);

            Task ended = await Task.WhenAny(leavingWait, Task.Delay(HangGuard));
            Assert.Same(leavingWait, ended);
            Assert.True(leavingWait.IsCompletedSuccessfully || leavingWait.IsCanceled || leavingWait.Exception?.InnerException is OperationCanceledException);
            await stayingWait.WaitAsync(HangGuard);
        }
    }

    [Fact]
    public async Task Wait_OnAConnectionAlreadyGone_FailsAtOnceRatherThanSleeping()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using CancellationTokenSource gone = new();
        await gone.CancelAsync();
        using WakeWaiter waiter = new(gone.Token);

        Task wait = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(HangGuard));
    }

    [Fact]
    public async Task OneWaiter_ServesEveryWaitOfACursorsLife()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        using WakeWaiter waiter = new(CancellationToken.None);

        for (int i = 0; i < 100; i++)
        {
            Task wait = state.WaitForWakeAsync(waiter, state.Wakes).AsTask();
            state.Wake();
            await wait.WaitAsync(HangGuard);
        }

        Assert.Equal(100, state.Wakes);
    }

    /// <summary>
    /// A saturated node: the cursors of one wake-up are still being run when the next append comes. The append must not wake
    /// the cursors the pass already ran (they would send a few events each while the rest still wait for their turn), and
    /// it must not be lost either: the pass's end wakes them.
    /// </summary>
    [Fact]
    public async Task AppendWhileAPassRuns_WakesTheCursorsWhenThePassEnds_NotBefore()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch"); // no delivery window: only the pass holds the wake-up back
        using WakeWaiter quick = new(CancellationToken.None);
        using WakeWaiter slow = new(CancellationToken.None);
        using ManualResetEventSlim slowCursorWriting = new();
        using ManualResetEventSlim letSlowCursorFinish = new();
        TaskCompletionSource<Task> quickWaitsAgain = new(TaskCreationOptions.RunContinuationsAsynchronously);

        // Registered off the test's synchronization context, as a cursor awaits: the continuations run inside the wake-up's
        // slice rather than being posted elsewhere.
        await Task.Run(() =>
        {
            // The quick cursor is listed first: woken, it waits again at once (its next wait is what the test watches).
            long seen = state.Wakes;
            OnWake(state.WaitForWakeAsync(quick, seen), () => quickWaitsAgain.SetResult(state.WaitForWakeAsync(quick, state.Wakes).AsTask()));
            // The slow one runs inline in the same pass and takes its time, as a cursor flushing to a slow socket would.
            OnWake(state.WaitForWakeAsync(slow, seen), () =>
            {
                slowCursorWriting.Set();
                letSlowCursorFinish.Wait(HangGuard);
            });
        });

        state.Advance(1);
        Task quickNext = await quickWaitsAgain.Task.WaitAsync(HangGuard);
        Assert.True(slowCursorWriting.Wait(HangGuard));

        state.Advance(2); // during the pass
        await Task.Delay(100);
        Assert.False(quickNext.IsCompleted, "an append during a running pass woke a cursor that pass had already run");

        letSlowCursorFinish.Set();
        await quickNext.WaitAsync(HangGuard); // the pass ended: the deferred wake-up came
    }

    /// <summary>
    /// Appends racing the end of passes, heartbeat wake-ups and the window's timer: whatever the interleaving, every cursor
    /// sees each checkpoint's append (a wake-up deferred to a pass's end is never lost), round after round.
    /// </summary>
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task AppendsRacingPassEndsAndHeartbeats_EveryCursorSeesEveryCheckpoint(int windowMs)
    {
        const int Cursors = 300;
        const long Appends = 2_000;
        using StreamState state = new("s", 16, TimeSpan.FromMilliseconds(windowMs), "epoch");
        using CancellationTokenSource stop = new();
        long[] seenLast = new long[Cursors];
        Task[] loops = [.. Enumerable.Range(0, Cursors).Select(i => Task.Run(async () =>
        {
            using WakeWaiter waiter = new(stop.Token);
            while (true)
            {
                long wakes = state.Wakes;
                Volatile.Write(ref seenLast[i], state.KnownLast); // "read what the stream has", then wait for more
                try
                {
                    await state.WaitForWakeAsync(waiter, wakes).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }))];

        try
        {
            for (long id = 1; id <= Appends; id++)
            {
                state.Advance(id);
                if (id % 100 == 0)
                {
                    _ = Task.Run(state.Wake); // a heartbeat tick racing the appends and the passes
                }

                if (id % 250 == 0)
                {
                    await EveryCursorSeesAsync(seenLast, id);
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(loops).WaitAsync(HangGuard);
        }

        Assert.All(seenLast, last => Assert.Equal(Appends, last));
    }

    // A continuation on the wait itself, run by whoever wakes it (inside the wake-up's slice), as a cursor's await is.
    private static void OnWake(ValueTask wait, Action then) => wait.GetAwaiter().OnCompleted(then);

    private static async Task EveryCursorSeesAsync(long[] seenLast, long id)
    {
        using CancellationTokenSource guard = new(HangGuard);
        while (Enumerable.Range(0, seenLast.Length).Any(i => Volatile.Read(ref seenLast[i]) < id))
        {
            await Task.Delay(1, guard.Token); // a lost wake-up ends here, after the guard, as a cancellation
        }
    }

    // A cursor's loop: count, signal that it is about to wait, wait, record the wake-up.
    private static async Task WaitLoopAsync(StreamState state, int index, int[] woken, TaskCompletionSource[] armed, CancellationToken stop)
    {
        using WakeWaiter waiter = new(stop);
        while (true)
        {
            long seen = state.Wakes;
            ValueTask wait = state.WaitForWakeAsync(waiter, seen);
            Volatile.Read(ref armed[index]).TrySetResult();
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            Interlocked.Increment(ref woken[index]);
        }
    }
}
