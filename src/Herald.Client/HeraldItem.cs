namespace Herald.Client;

/// <summary>
/// What a subscription yields: a closed set of three kinds, told apart with a type pattern
/// (<c>switch (item) { case HeraldEvent e: … case HeraldGap g: … case HeraldReset r: … }</c>).
/// <see cref="HeraldEvent"/> is an event of the stream; <see cref="HeraldGap"/> and <see cref="HeraldReset"/> say that the
/// caller's view of the stream is incomplete or stale and should be reloaded. No other kinds exist.
/// </summary>
public abstract class HeraldItem
{
    private protected HeraldItem()
    {
    }
}

/// <summary>An event of a stream, delivered once and in ID order within its stream.</summary>
public sealed class HeraldEvent : HeraldItem
{
    internal HeraldEvent(string stream, long id, string eventType, string data, StreamCursor? cursor)
    {
        Stream = stream;
        Cursor = cursor;
        Id = id;
        EventType = eventType;
        Data = data;
    }

    /// <summary>The stream the event belongs to.</summary>
    public string Stream { get; }

    /// <summary>
    /// On a subscription to several streams: every stream's position right after this event (events the type filter
    /// skipped included). Save its <see cref="StreamCursor.ToString"/> to resume from here. Null on a one-stream subscription,
    /// where <see cref="Id"/> is the position.
    /// </summary>
    public StreamCursor? Cursor { get; }

    /// <summary>The event's ID: per stream 1, 2, 3, …; each yielded ID is greater than the one before it (unless a <see cref="HeraldReset"/> came between).</summary>
    public long Id { get; }

    /// <summary>The event's type; <c>"message"</c> when it was published without one (as with <c>EventSource</c>).</summary>
    public string EventType { get; }

    /// <summary>The event's data; lines are joined by LF.</summary>
    public string Data { get; }

    /// <inheritdoc/>
    public override string ToString() => $"HeraldEvent {Stream} {Id} [{EventType}] {Data}";
}

/// <summary>
/// History the caller asked for has been trimmed by the server's retention: events after <see cref="LastEventId"/> and
/// before <see cref="First"/> are lost for this subscriber. The events from <see cref="First"/> on follow.
/// </summary>
public sealed class HeraldGap : HeraldItem
{
    internal HeraldGap(string stream, long lastEventId, long first)
    {
        Stream = stream;
        LastEventId = lastEventId;
        First = first;
    }

    /// <summary>The stream whose history is incomplete.</summary>
    public string Stream { get; }

    /// <summary>The position the subscription resumed from.</summary>
    public long LastEventId { get; }

    /// <summary>The first retained event's ID, the next one to be yielded.</summary>
    public long First { get; }

    /// <inheritdoc/>
    public override string ToString() => $"HeraldGap {Stream} after {LastEventId}, resuming at {First}";
}

/// <summary>
/// The server does not know the subscription's position: the store was wiped or replaced (a new <see cref="Epoch"/>) or the
/// position is ahead of the stream. Discard what was built from earlier events: every retained event follows, starting
/// again from the lowest retained ID, so IDs after a reset may be lower than those before it.
/// </summary>
public sealed class HeraldReset : HeraldItem
{
    internal HeraldReset(string stream, long lastEventId, long last, string epoch)
    {
        Stream = stream;
        LastEventId = lastEventId;
        Last = last;
        Epoch = epoch;
    }

    /// <summary>The stream whose position the server does not know.</summary>
    public string Stream { get; }

    /// <summary>The position the subscription tried to resume from.</summary>
    public long LastEventId { get; }

    /// <summary>The stream's last ID in the store that answered.</summary>
    public long Last { get; }

    /// <summary>The epoch of the store that answered; the subscription sends it from now on.</summary>
    public string Epoch { get; }

    /// <inheritdoc/>
    public override string ToString() => $"HeraldReset {Stream} from {LastEventId} (stream last {Last}, epoch {Epoch})";
}
