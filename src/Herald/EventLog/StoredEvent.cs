namespace Herald;

/// <summary>An event as the log holds it: its position in the stream, its type and its UTF-8 payload.</summary>
/// <param name="Id">The event's ID: 1, 2, 3, … per stream.</param>
/// <param name="EventType">The SSE <c>event:</c> field, or <see langword="null"/>.</param>
/// <param name="Data">The UTF-8 payload, lines separated by LF.</param>
public readonly record struct StoredEvent(long Id, string? EventType, ReadOnlyMemory<byte> Data);
