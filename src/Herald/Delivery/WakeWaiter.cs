using System.Threading.Tasks.Sources;

namespace Herald.Delivery;

/// <summary>
/// One cursor's wait for its stream's next wake-up (<see cref="StreamState.WaitForWakeAsync"/>), reused for every wait of the
/// cursor's life: the disconnect token is registered once per connection, not once per wait, and a wake-up runs the
/// cursor's continuation on the thread that delivers it (see <see cref="WakeDispatch"/>), so that one woken stream is a
/// few thread-pool items rather than one per subscriber.
/// </summary>
internal sealed class WakeWaiter : IValueTaskSource, IThreadPoolWorkItem, IDisposable
{
    private const int Idle = 0;
    private const int Waiting = 1;
    private const int Completed = 2;

    private readonly CancellationToken _aborted;
    private readonly CancellationTokenRegistration _registration;
    private ManualResetValueTaskSourceCore<bool> _core;
    private int _state;

    public WakeWaiter(CancellationToken aborted)
    {
        _aborted = aborted;
        _registration = aborted.UnsafeRegister(static s => ((WakeWaiter)s!).TryCancel(), this);
    }

    /// <summary>Prepares the next wait; the stream calls it under its lock, before listing this waiter.</summary>
    internal short Arm()
    {
        _core.Reset();
        _core.RunContinuationsAsynchronously = false;
        // A full fence, not only a release: CancelIfAborted's read of the token must not move above this write, or a
        // disconnect in between would be seen by neither side.
        Interlocked.Exchange(ref _state, Waiting);
        return _core.Version;
    }

    /// <summary>After <see cref="Arm"/>, outside the stream's lock: a disconnect that came before the wait still ends it.</summary>
    internal void CancelIfAborted()
    {
        if (_aborted.IsCancellationRequested)
        {
            TryCancel();
        }
    }

    /// <summary>
    /// Ends the wait with a wake-up and runs the cursor's continuation here, on the caller's thread; false when the wait had
    /// already ended (a disconnect).
    /// </summary>
    internal bool TryWake()
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Waiting) != Waiting)
        {
            return false;
        }

        _core.SetResult(true);
        return true;
    }

    /// <summary>A stream with one waiter wakes it as a thread-pool item of its own, with no dispatch to allocate.</summary>
    void IThreadPoolWorkItem.Execute() => TryWake();

    public void Dispose() => _registration.Dispose();

    void IValueTaskSource.GetResult(short token)
    {
        // A stale token throws here, before the state of the wait in progress is touched.
        _ = _core.GetStatus(token);
        try
        {
            _core.GetResult(token);
        }
        finally
        {
            Volatile.Write(ref _state, Idle);
        }
    }

    ValueTaskSourceStatus IValueTaskSource.GetStatus(short token) => _core.GetStatus(token);

    void IValueTaskSource.OnCompleted(Action<object?> continuation, object? state, short token, ValueTaskSourceOnCompletedFlags flags) =>
        _core.OnCompleted(continuation, state, token, flags);

    private void TryCancel()
    {
        if (Interlocked.CompareExchange(ref _state, Completed, Waiting) != Waiting)
        {
            return;
        }

        // A disconnect's cursor ends on the thread pool, never inline in whoever cancelled the connection's token.
        _core.RunContinuationsAsynchronously = true;
        _core.SetException(new OperationCanceledException(_aborted));
    }
}
