namespace Herald.Client;

/// <summary>
/// One complete SSE frame as it arrived: unlike <c>System.Net.ServerSentEvents.SseItem</c>, <see cref="Id"/> is this frame's
/// own <c>id:</c> line (null when it had none, not the last ID seen), and frames with an ID but no data are reported too.
/// </summary>
/// <param name="Id">The frame's own <c>id:</c> value; null when the frame had no <c>id:</c> line.</param>
/// <param name="EventType">The <c>event:</c> value, <c>"message"</c> when absent.</param>
/// <param name="Data">The <c>data:</c> lines joined by LF; null when the frame had no <c>data:</c> line (an id-only frame).</param>
internal readonly record struct SseFrame(string? Id, string EventType, string? Data);
