using System.Collections.Concurrent;

namespace Herald;

/// <summary>
/// The per-stream "something was appended" signal behind <see cref="IEventLog.WaitForAppendAsync"/> (STYLE.md §8).
/// Stores call <see cref="Notify"/> after a commit; waiters never run on the notifier's thread.
/// </summary>
internal sealed class AppendSignals
{
    private readonly ConcurrentDictionary<string, StreamSignal> _streams = new(StringComparer.Ordinal);

    /// <summary>Records that <paramref name="stream"/> now reaches <paramref name="last"/> and wakes its waiters.</summary>
    public void Notify(string stream, long last)
    {
        StreamSignal signal = _streams.GetOrAdd(stream, static _ => new StreamSignal());
        signal.Advance(last);
    }

    public Task WaitAsync(string stream, long after, CancellationToken cancellationToken)
    {
        StreamSignal signal = _streams.GetOrAdd(stream, static _ => new StreamSignal());

        // Take the task before looking at Last, so an append that lands between the two still completes it.
        Task next = signal.Next;
        if (signal.Last > after)
        {
            return Task.CompletedTask;
        }

        return cancellationToken.CanBeCanceled ? next.WaitAsync(cancellationToken) : next;
    }

    private sealed class StreamSignal
    {
        private TaskCompletionSource _next = NewSource();
        private long _last;

        public Task Next => Volatile.Read(ref _next).Task;

        public long Last => Volatile.Read(ref _last);

        public void Advance(long last)
        {
            long seen = Volatile.Read(ref _last);
            while (last > seen)
            {
                long found = Interlocked.CompareExchange(ref _last, last, seen);
                if (found == seen)
                {
                    break;
                }

                seen = found;
            }

            Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
        }

        private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
