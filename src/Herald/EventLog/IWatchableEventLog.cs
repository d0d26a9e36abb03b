namespace Herald;

/// <summary>
/// A store that delivers other nodes' appends only for the streams it is told to watch (the Redis store runs one reader
/// per watched stream). The subscription hub watches every stream that has a local subscriber, so that
/// <see cref="IEventLog.Appended"/> reaches its hot tail whichever node appended.
/// </summary>
internal interface IWatchableEventLog
{
    /// <summary>Starts (or keeps) delivering <paramref name="stream"/>'s appends until the returned handle is disposed. Quick and non-blocking.</summary>
    IDisposable Watch(string stream);
}
