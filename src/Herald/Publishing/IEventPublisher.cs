namespace Herald;

/// <summary>
/// Publishes events from application code, without HTTP. Registered by <see cref="HeraldServiceCollectionExtensions.AddHerald"/>.
/// Input is checked exactly as <c>POST /streams/{name}</c> checks it (docs/protocol.md "Publish"), and the append is the same one, so
/// subscribers, <c>info</c>, <c>events</c> and the <c>herald_</c> metrics see these events as they see HTTP publishes.
/// No publisher key and no <see cref="IHeraldAuthorizer"/> applies: the caller is the application itself.
/// </summary>
public interface IEventPublisher
{
    /// <summary>Appends one event to <paramref name="stream"/> and returns its ID (<see cref="AppendResult.First"/> = <see cref="AppendResult.Last"/>).</summary>
    /// <param name="stream">The stream's name: 1–128 characters of <c>A-Z a-z 0-9 _ . -</c>, not starting with <c>.</c>.</param>
    /// <param name="data">The event's data: non-empty text of at most <see cref="HeraldOptions.MaxEventBytes"/> UTF-8 bytes; CR and CRLF become LF.</param>
    /// <param name="eventType">The SSE <c>event:</c> field (1–64 characters of <c>A-Z a-z 0-9 _ . : -</c>), or <see langword="null"/> for none.</param>
    /// <param name="idempotencyKey">
    /// 1–200 characters in 0x21–0x7E, or <see langword="null"/>. A key already accepted on this stream within
    /// <see cref="HeraldOptions.IdempotencyWindow"/> appends nothing and returns the original IDs with <see cref="AppendResult.Replayed"/> set.
    /// </param>
    /// <param name="cancellationToken">
    /// Stops the wait. Once the event is handed to the store its append completes anyway, so after a cancellation the event
    /// may or may not be stored: retry with the same <paramref name="idempotencyKey"/> to find out without appending twice.
    /// </param>
    /// <exception cref="ArgumentException">An argument breaks the rules above; nothing was appended.</exception>
    /// <exception cref="EventLogUnavailableException">The store cannot take the event now; nothing was appended.</exception>
    Task<AppendResult> PublishAsync(string stream, string data, string? eventType = null, string? idempotencyKey = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Appends <paramref name="events"/> to <paramref name="stream"/> atomically, with contiguous IDs
    /// <see cref="AppendResult.First"/> … <see cref="AppendResult.Last"/> (docs/protocol.md "Batch publish").
    /// </summary>
    /// <param name="stream">The stream's name, as for <see cref="PublishAsync(string, string, string?, string?, CancellationToken)"/>.</param>
    /// <param name="events">
    /// 1 to <see cref="HeraldOptions.MaxBatchEvents"/> events, each checked as a single publish is, with at most
    /// <see cref="HeraldOptions.MaxBatchBytes"/> bytes of data in all.
    /// </param>
    /// <param name="idempotencyKey">As for a single publish; the key covers the whole batch.</param>
    /// <param name="cancellationToken">As for a single publish.</param>
    /// <exception cref="ArgumentException">An argument or an event breaks the rules; nothing was appended.</exception>
    /// <exception cref="EventLogUnavailableException">The store cannot take the events now; nothing was appended.</exception>
    Task<AppendResult> PublishBatchAsync(string stream, IEnumerable<EventToPublish> events, string? idempotencyKey = null, CancellationToken cancellationToken = default);
}
