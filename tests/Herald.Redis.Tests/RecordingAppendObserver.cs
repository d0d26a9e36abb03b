using Herald.Server.Tests.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>Records what an <see cref="IEventLog.Watch"/> reports, and lets a test wait (bounded) for an ID without polling.</summary>
internal sealed class RecordingAppendObserver : IAppendObserver
{
    private readonly List<StoredEvent> _events = [];
    private readonly List<string> _streams = [];
    private readonly List<(long Id, TaskCompletionSource Done)> _waiters = [];

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

    public void OnAppended(EventsAppendedEventArgs appended)
    {
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

    /// <summary>Completes once ID <paramref name="id"/> or a later one was reported; fails after <see cref="TestTimeouts.Bulk"/>.</summary>
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
            await reached.WaitAsync(TestTimeouts.Bulk);
        }
        catch (TimeoutException)
        {
            StoredEvent[] events = Events;
            Assert.Fail($"Timed out after {TestTimeouts.Bulk} waiting for ID {id} to be reported; got {events.Length} events, last {(events.Length > 0 ? events[^1].Id : 0)}.");
        }
    }
}
