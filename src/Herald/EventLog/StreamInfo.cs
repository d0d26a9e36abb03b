namespace Herald;

/// <summary>The state of one stream.</summary>
/// <param name="First">The first retained event's ID, or <see langword="null"/> when none is retained.</param>
/// <param name="Last">The last ID given on the stream that readers may see; 0 for a stream that never had an event. Never decreases.</param>
public readonly record struct StreamInfo(long? First, long Last)
{
    /// <summary>
    /// The highest ID the store has given out, when that is above <see cref="Last"/>: appended, but not yet confirmed
    /// durable enough to show (a Redis store waiting for replicas). <see langword="null"/> when it is <see cref="Last"/>.
    /// </summary>
    /// <remarks>
    /// A client can hold an ID in between: it was shown, and then a failover lost the record of its confirmation but not
    /// the events (docs/design.md, "The committed mark"). So a subscriber resuming from an ID up to this one is not ahead
    /// of the stream: it waits for what comes after it, instead of being told <c>reset</c>.
    /// </remarks>
    public long? Allocated { get; init; }
}
