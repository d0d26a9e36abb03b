namespace Herald;

/// <summary>Events that just became durable on one stream, in ID order.</summary>
public sealed class EventsAppendedEventArgs : EventArgs
{
    /// <summary>Creates the notification.</summary>
    public EventsAppendedEventArgs(string stream, IReadOnlyList<StoredEvent> events, long committedTimestamp)
    {
        Stream = stream;
        Events = events;
        CommittedTimestamp = committedTimestamp;
    }

    /// <summary>The stream the events were appended to.</summary>
    public string Stream { get; }

    /// <summary>The events, contiguous and in ID order.</summary>
    public IReadOnlyList<StoredEvent> Events { get; }

    /// <summary>When the commit finished, as a <see cref="TimeProvider.GetTimestamp"/> value; the start of delivery lag.</summary>
    public long CommittedTimestamp { get; }
}
