namespace Herald.Sse;

/// <summary>An event's SSE frame, encoded once and shared by every subscriber (docs/design.md).</summary>
/// <param name="Id">The event's ID.</param>
/// <param name="Frame">The complete UTF-8 frame, ending with its blank line.</param>
/// <param name="CommittedTimestamp">When the event became durable (<see cref="TimeProvider.GetTimestamp"/>), for delivery lag.</param>
internal sealed record EncodedEvent(long Id, byte[] Frame, long CommittedTimestamp);
