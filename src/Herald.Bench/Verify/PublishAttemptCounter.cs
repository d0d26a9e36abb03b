namespace Herald.Bench.Verify;

/// <summary>
/// Counts, below <see cref="Herald.Client.HeraldClient"/>'s own retries, the publishes sent again with the Idempotency-Key
/// of the previous one, and the answers that were replays (the server had already appended the batch, but its answer
/// had not arrived): the evidence that the faults really hit publishes in flight and that idempotency absorbed them.
/// </summary>
internal sealed class PublishAttemptCounter(HttpMessageHandler inner) : DelegatingHandler(inner)
{
    private string? _previousKey;
    private long _resent;
    private long _replayed;

    public long Resent => Volatile.Read(ref _resent);

    public long Replayed => Volatile.Read(ref _replayed);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (request.Headers.TryGetValues("Idempotency-Key", out IEnumerable<string>? keys))
        {
            // One batch in flight per publisher: the same key as the previous request is a retry of it.
            string key = keys.First();
            if (Interlocked.Exchange(ref _previousKey, key) == key)
            {
                Interlocked.Increment(ref _resent);
            }
        }

        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.Headers.TryGetValues("Idempotent-Replayed", out IEnumerable<string>? replayed) && replayed.Contains("true", StringComparer.OrdinalIgnoreCase))
        {
            Interlocked.Increment(ref _replayed);
        }

        return response;
    }
}
