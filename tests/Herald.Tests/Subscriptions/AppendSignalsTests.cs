namespace Herald.Tests.Subscriptions;

/// <summary>
/// The per-stream "something was appended" signal behind <see cref="IEventLog.WaitForAppendAsync"/> that wakes cursors.
/// (It lives in Herald/EventLog; the test sits here because tests/Herald.Tests/EventLog belongs to another branch.)
/// </summary>
public sealed class AppendSignalsTests
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(10);

    [Fact]
    public void WaitAsync_LastAlreadyPastAfter_CompletesImmediately()
    {
        AppendSignals signals = new();
        signals.Notify("s", 5);

        Assert.True(signals.WaitAsync("s", 4, CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(signals.WaitAsync("s", 0, CancellationToken.None).IsCompletedSuccessfully);
        using CancellationTokenSource cts = new();
        Assert.True(signals.WaitAsync("s", 4, cts.Token).IsCompletedSuccessfully);
    }

    [Fact]
    public void WaitAsync_NothingNewer_Waits()
    {
        AppendSignals signals = new();
        signals.Notify("s", 5);

        Assert.False(signals.WaitAsync("s", 5, CancellationToken.None).IsCompleted);
        Assert.False(signals.WaitAsync("s", 9, CancellationToken.None).IsCompleted);
        Assert.False(signals.WaitAsync("unknown", 0, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task WaitAsync_LaterNotify_Completes()
    {
        AppendSignals signals = new();
        using CancellationTokenSource cts = new();
        Task withToken = signals.WaitAsync("s", 0, cts.Token);
        Task withoutToken = signals.WaitAsync("s", 0, CancellationToken.None);
        Assert.False(withoutToken.IsCompleted);

        signals.Notify("s", 1);

        await withToken.WaitAsync(s_timeout);
        await withoutToken.WaitAsync(s_timeout);
    }

    [Fact]
    public void Notify_OtherStream_DoesNotWake()
    {
        AppendSignals signals = new();
        Task wait = signals.WaitAsync("a", 0, CancellationToken.None);

        signals.Notify("b", 10);
        signals.Notify("A", 10);

        Assert.False(wait.IsCompleted);
        Assert.True(signals.WaitAsync("b", 9, CancellationToken.None).IsCompletedSuccessfully);
    }

    [Fact]
    public void Notify_LowerValue_DoesNotLowerLast()
    {
        AppendSignals signals = new();
        signals.Notify("s", 10);

        signals.Notify("s", 5);

        Assert.True(signals.WaitAsync("s", 7, CancellationToken.None).IsCompletedSuccessfully);
        Assert.True(signals.WaitAsync("s", 9, CancellationToken.None).IsCompletedSuccessfully);
        Assert.False(signals.WaitAsync("s", 10, CancellationToken.None).IsCompleted);
    }

    [Fact]
    public async Task WaitAsync_Cancelled_ThrowsOperationCanceled()
    {
        AppendSignals signals = new();
        using CancellationTokenSource cts = new();
        Task wait = signals.WaitAsync("s", 0, cts.Token);

        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => wait.WaitAsync(s_timeout));
    }

    [Fact]
    public async Task WaitAsync_AlreadyCancelledToken_ThrowsOperationCanceled()
    {
        AppendSignals signals = new();
        using CancellationTokenSource cts = new();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => signals.WaitAsync("s", 0, cts.Token).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task WaitAsync_ConcurrentNotifies_NeverMissesAnAppend()
    {
        // A waiter that took its task before an append must wake; one that looked after must see Last already past.
        AppendSignals signals = new();
        const long Count = 20_000;
        Task notifier = Task.Run(() =>
        {
            for (long i = 1; i <= Count; i++)
            {
                signals.Notify("s", i);
            }
        });

        for (long after = 0; after < Count; after += 97)
        {
            await signals.WaitAsync("s", after, CancellationToken.None).WaitAsync(s_timeout);
        }

        await notifier.WaitAsync(s_timeout);
    }
}
