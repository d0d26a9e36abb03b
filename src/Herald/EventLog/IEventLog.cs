namespace Herald;

/// <summary>
/// The durable, per-stream, append-only log behind Herald (docs/design.md). Every store implements it and passes the
/// same conformance suite. IDs are 1, 2, 3, … per stream, contiguous within an append, never reused, never reset.
/// </summary>
public interface IEventLog : IAsyncDisposable
{
    /// <summary>An opaque token created with the store and kept in it; a wiped or replaced store has a new one.</summary>
    string Epoch { get; }

    /// <summary>
    /// Allocates the next IDs for <paramref name="events"/> and makes them durable in one atomic step: when the task
    /// completes, all of them are stored, or none is. With an <paramref name="idempotencyKey"/> already accepted on this
    /// stream within the dedupe window, nothing is appended and the original IDs come back with <see cref="AppendResult.Replayed"/> set.
    /// A store may read <paramref name="events"/> after this method returns (a queued group commit does): the caller must
    /// not change the list or the payloads until the task completes.
    /// </summary>
    /// <exception cref="EventLogUnavailableException">The store cannot take the append now; nothing was appended.</exception>
    Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken);

    /// <summary>Reads up to <paramref name="max"/> retained events with an ID greater than <paramref name="after"/>, in ID order.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Reads like <see cref="ReadAsync(string, long, int, CancellationToken)"/>, but the events' data adds up to at most
    /// <paramref name="maxBytes"/>: the page ends before the event that would exceed it, and always holds at least its
    /// first event, so memory stays bounded however large the events (docs/protocol.md "Limits"). A store should read no more than that
    /// from its backend; this default reads the whole page first and cuts it (what the memory store, whose events are in
    /// memory already, relies on).
    /// </summary>
    async Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, long maxBytes, CancellationToken cancellationToken) =>
        StoredEvents.Cut(await ReadAsync(stream, after, max, cancellationToken).ConfigureAwait(false), maxBytes);

    /// <summary>The stream's first retained and last given ID.</summary>
    Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken);

    /// <summary>
    /// Lists up to <paramref name="max"/> streams whose name sorts after <paramref name="after"/> (ordinal order; all
    /// streams when it is <see langword="null"/>), in ordinal order of their names: the pages of <c>GET /streams</c>.
    /// A stream is listed once it was appended to; in a distributed store, a stream whose first append failed may be
    /// listed with <c>Last</c> 0.
    /// </summary>
    Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string? after, int max, CancellationToken cancellationToken);

    /// <summary>
    /// Reports every append to <paramref name="stream"/> to <paramref name="observer"/> — this node's and, in a store
    /// shared by several nodes, every node's — once each, in ID order and only once durable, until the returned handle is
    /// disposed. The one way a store tells the hub what was appended (<see cref="AppendWatchers"/> implements the
    /// bookkeeping). Quick and non-blocking. Appends that complete after this returns are reported; a store that needs
    /// time to set a watch up (Redis subscribes in the background) reports, once it is set up, at least the stream's
    /// newest event, so an observer that read the log before then learns that there is more to read. Appends to streams
    /// nobody watches cost no notification work.
    /// </summary>
    IDisposable Watch(string stream, IAppendObserver observer);

    /// <summary>Whether the store answers now (for <c>/readyz</c>).</summary>
    Task<bool> IsReadyAsync(CancellationToken cancellationToken);
}
