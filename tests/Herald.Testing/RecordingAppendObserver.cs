namespace Herald.Testing;

/// <summary>
/// Records what a store reports to an <see cref="IEventLog.Watch"/> observer, and lets a test wait for an ID without
/// polling; the conformance suite and the store tests share it.
/// </summary>
public sealed class RecordingAppendObserver : IAppendObserver
{
    private static readonly TimeSpan s_bound = TimeSpan.FromSeconds(60);
    private readonly List<StoredEvent> _events = [];
    private readonly List<string> _streams = [];
    private readonly List<(long Id, TaskCompletionSource Done)> _waiters = [];

    /// <summary>Every event reported so far, in the order reported.</summary>
    public StoredEvent[] Events
    {
        get
        {
            lock (_events)
            {
                return [.. _events];
            }
        }
    }

    /// <summary>The stream of each report.</summary>
    public string[] Streams
    {
        get
        {
            lock (_events)
            {
                return [.. _streams];
            }
        }
    }

    /// <inheritdoc />
    public void OnAppended(EventsAppendedEventArgs appended)
    {
        ArgumentNullException.ThrowIfNull(appended);
        lock (_events)
        {
            _events.AddRange(appended.Events);
            _streams.Add(appended.Stream);
            long last = appended.Events[^1].Id;
            foreach ((long Id, TaskCompletionSource Done) waiter in _waiters.Where(w => w.Id <= last).ToList())
            {
                waiter.Done.TrySetResult();
                _waiters.Remove(waiter);
            }
        }
    }

    /// <summary>Completes once ID <paramref name="id"/> or a later one was reported; fails after 60 s.</summary>
    public async Task WaitForAsync(long id)
    {
        Task reached;
        lock (_events)
        {
            if (_events.Count > 0 && _events[^1].Id >= id)
            {
                return;
            }

            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiters.Add((id, done));
            reached = done.Task;
        }

        try
        {
            await reached.WaitAsync(s_bound).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            throw new TimeoutException($"No event with ID {id} or later was reported within {s_bound}; reported: [{string.Join(", ", Events.Select(e => e.Id))}].");
        }
    }
}
