namespace Herald;

/// <summary>The state of one stream.</summary>
/// <param name="First">The first retained event's ID, or <see langword="null"/> when none is retained.</param>
/// <param name="Last">The last ID ever given on the stream; 0 for a stream that never had an event. Never decreases.</param>
public readonly record struct StreamInfo(long? First, long Last);
