namespace Herald.Testing.Infrastructure;

/// <summary>Counts acknowledged publishes and releases waiters at their threshold, or when publishing ends.</summary>
internal sealed class ProgressSignal
{
    private readonly Lock _lock = new();
    private readonly List<(long Threshold, TaskCompletionSource Done)> _waiters = [];
    private long _count;
    private bool _finished;

    public void Advance()
    {
        lock (_lock)
        {
            _count++;
            Release();
        }
    }

    public void Finish()
    {
        lock (_lock)
        {
            _finished = true;
            Release();
        }
    }

    public Task WaitForAsync(long threshold)
    {
        lock (_lock)
        {
            if (_finished || _count >= threshold)
            {
                return Task.CompletedTask;
            }

            TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((threshold, done));
            return done.Task;
        }
    }

    private void Release()
    {
        for (int i = _waiters.Count - 1; i >= 0; i--)
        {
            if (_finished || _count >= _waiters[i].Threshold)
            {
                _waiters[i].Done.TrySetResult();
                _waiters.RemoveAt(i);
            }
        }
    }
}
