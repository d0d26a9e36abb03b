namespace Herald;

/// <summary>
/// Receives what a store appended to a stream it watches for it (<see cref="IEventLog.Watch"/>): the hub's hot tails
/// are one. Called on the store's thread (its commit thread, or a distributed store's change feed), so an observer
/// must be quick and must neither block nor throw. An observer may keep the events it is given (the hub encodes their
/// frames later, off the store's thread), so a store must not reuse or change their <see cref="StoredEvent.Data"/> buffers.
/// </summary>
public interface IAppendObserver
{
    /// <summary>Events that became durable on the watched stream, contiguous and in ID order, each reported once.</summary>
    void OnAppended(EventsAppendedEventArgs appended);
}
