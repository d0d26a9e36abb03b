namespace Herald;

/// <summary>One stream as <see cref="IEventLog.ListStreamsAsync"/> lists it.</summary>
/// <param name="Name">The stream's name.</param>
/// <param name="First">The first retained event's ID, or <see langword="null"/> when none is retained.</param>
/// <param name="Last">The last ID given on the stream.</param>
public readonly record struct StreamSummary(string Name, long? First, long Last);
