namespace Herald.Bench.Run;

/// <summary>
/// What <see cref="ChunkedSseScanner"/> reports for each event: the raw value of its <c>id:</c> field (a plain ID on
/// <c>GET /streams/{name}</c>, a composite cursor on <c>GET /subscribe</c>; valid only during the call) and the
/// publisher's stamp from its first data line (0 when none).
/// </summary>
internal delegate void SseEventHandler(ReadOnlySpan<byte> id, long stamp);
