namespace Herald;

/// <summary>An event to append: an optional type and its payload.</summary>
/// <param name="EventType">The SSE <c>event:</c> field, already validated by <see cref="Validation.EventTypes"/>; <see langword="null"/> for none.</param>
/// <param name="Data">The payload as UTF-8, already validated, with every CR and CRLF turned into LF (see <see cref="Validation.Payloads"/>).</param>
public sealed record EventData(string? EventType, ReadOnlyMemory<byte> Data);
