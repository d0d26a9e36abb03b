namespace Herald;

/// <summary>One event of a batch for <see cref="IEventPublisher"/>.</summary>
/// <param name="Data">The event's data: non-empty text, stored as UTF-8 with CR and CRLF turned into LF.</param>
/// <param name="EventType">The SSE <c>event:</c> field, or <see langword="null"/> for none.</param>
public sealed record EventToPublish(string Data, string? EventType = null);
