using System.Threading.Channels;

namespace Herald.Baseline;

internal sealed record Event(long Id, string Data);

/// <summary>One stream: every event in a List, every subscriber's Channel in another, one lock for both.</summary>
internal sealed class Topic
{
    private readonly Lock _lock = new();
    private readonly List<Event> _events = [];
    private readonly List<Channel<Event>> _subscribers = [];

    public long[] Append(IReadOnlyList<string> data)
    {
        long[] ids = new long[data.Count];
        lock (_lock)
        {
            for (int i = 0; i < data.Count; i++)
            {
                Event e = new(_events.Count + 1, data[i]);
                _events.Add(e);
                ids[i] = e.Id;
                foreach (Channel<Event> subscriber in _subscribers)
                {
                    subscriber.Writer.TryWrite(e);
                }
            }
        }

        return ids;
    }

    /// <summary>Registers the channel and returns the events after <paramref name="after"/> (none when null), atomically.</summary>
    public List<Event> Subscribe(Channel<Event> channel, long? after)
    {
        lock (_lock)
        {
            _subscribers.Add(channel);
            return after is long n && n < _events.Count ? _events.GetRange((int)n, _events.Count - (int)n) : [];
        }
    }

    public void Unsubscribe(Channel<Event> channel)
    {
        lock (_lock)
        {
            _subscribers.Remove(channel);
        }
    }
}
