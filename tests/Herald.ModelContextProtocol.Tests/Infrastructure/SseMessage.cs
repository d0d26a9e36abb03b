namespace Herald.ModelContextProtocol.Tests.Infrastructure;

/// <summary>One SSE event as the client received it.</summary>
internal sealed record SseMessage(string? Id, string EventType, string Data);
