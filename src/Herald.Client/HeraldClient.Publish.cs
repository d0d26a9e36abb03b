using System.Buffers;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Herald.Client;

public sealed partial class HeraldClient
{
    /// <summary>
    /// Publishes one event and returns its ID. The publish carries an <c>Idempotency-Key</c> (a new GUID unless
    /// <paramref name="idempotencyKey"/> is given) and is retried with that same key after network errors, timeouts and
    /// 5xx/408/429 answers, trying the next base URL each time, so a retried publish is appended at most once.
    /// </summary>
    /// <param name="stream">The stream's name.</param>
    /// <param name="data">The event's data (UTF-8 text, not empty).</param>
    /// <param name="eventType">The event's type, or null for none (subscribers then see <c>"message"</c>).</param>
    /// <param name="idempotencyKey">A key for this logical publish, to make retries across processes safe; null for a new one.</param>
    /// <param name="cancellationToken">Stops waiting; the event may or may not have been appended.</param>
    /// <returns>The event's ID (the original one when the server had already accepted this key).</returns>
    /// <exception cref="HeraldException">A 4xx answer (e.g. 400 invalid name or type, 401/403 publisher key, 413 too large), or no success within <see cref="HeraldClientOptions.MaxPublishAttempts"/>.</exception>
    public Task<long> PublishAsync(string stream, string data, string? eventType = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(data);
        string? query = eventType is null ? null : "event=" + Uri.EscapeDataString(eventType);
        return SendPublishAsync(
            stream,
            suffix: null,
            query,
            Encoding.UTF8.GetBytes(data),
            "text/plain",
            idempotencyKey ?? NewIdempotencyKey(),
            static json => json.GetProperty("id").GetInt64(),
            cancellationToken);
    }

    /// <summary>
    /// Publishes several events at once, all or nothing, with contiguous IDs; retried like <see cref="PublishAsync"/> with
    /// one <c>Idempotency-Key</c> for the whole batch.
    /// </summary>
    /// <param name="stream">The stream's name.</param>
    /// <param name="events">The events' data and optional types, in order; at least one (the server takes up to 10,000).</param>
    /// <param name="idempotencyKey">A key for this logical batch; null for a new one.</param>
    /// <param name="cancellationToken">Stops waiting; the batch may or may not have been appended.</param>
    /// <returns>The first and last ID of the batch.</returns>
    /// <exception cref="HeraldException">A 4xx answer (the problem's detail names the failing line) or no success within <see cref="HeraldClientOptions.MaxPublishAttempts"/>.</exception>
    public Task<(long First, long Last)> PublishBatchAsync(string stream, IEnumerable<(string Data, string? EventType)> events, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentNullException.ThrowIfNull(events);

        // docs/protocol.md "Batch publish": NDJSON, one {"data": "<string>", "event"?: "<type>"} a line. Built once, so every retry sends the same bytes.
        ArrayBufferWriter<byte> body = new();
        int count = 0;
        using (Utf8JsonWriter writer = new(body))
        {
            foreach ((string data, string? eventType) in events)
            {
                ArgumentNullException.ThrowIfNull(data, nameof(events));
                writer.WriteStartObject();
                writer.WriteString("data", data);
                if (eventType is not null)
                {
                    writer.WriteString("event", eventType);
                }

                writer.WriteEndObject();
                writer.Flush();
                writer.Reset();
                body.Write("\n"u8);
                count++;
            }
        }

        if (count == 0)
        {
            throw new ArgumentException("A batch needs at least one event.", nameof(events));
        }

        return SendPublishAsync(
            stream,
            "/batch",
            query: null,
            body.WrittenSpan.ToArray(),
            "application/x-ndjson",
            idempotencyKey ?? NewIdempotencyKey(),
            static json => (json.GetProperty("first").GetInt64(), json.GetProperty("last").GetInt64()),
            cancellationToken);
    }

    private static string NewIdempotencyKey() => Guid.NewGuid().ToString("N");

    private async Task<T> SendPublishAsync<T>(string stream, string? suffix, string? query, byte[] body, string contentType, string idempotencyKey, Func<JsonElement, T> read, CancellationToken cancellationToken)
    {
        Exception? last = null;
        int? lastStatus = null;
        TimeSpan? retryAfter = null;
        for (int attempt = 1; attempt <= _options.MaxPublishAttempts; attempt++)
        {
            if (attempt > 1)
            {
                // A server that said when to come back (429/503 + Retry-After) is not asked sooner.
                TimeSpan delay = retryAfter is TimeSpan asked ? Max(Backoff(attempt - 1), asked) : Backoff(attempt - 1);
                retryAfter = null;
                await DelayAsync(delay, cancellationToken).ConfigureAwait(false);
            }

            int baseIndex = CurrentBaseIndex;
            using HttpRequestMessage request = new(HttpMethod.Post, StreamUri(_baseUrls[baseIndex], stream, suffix, query));
            request.Content = new ByteArrayContent(body);
            request.Content.Headers.ContentType = new MediaTypeHeaderValue(contentType) { CharSet = "utf-8" };
            request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            AddAuthorization(request);

            HttpResponseMessage response;
            string text;
            try
            {
                response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
            {
                (last, lastStatus) = (ex, null);
                Rotate(baseIndex);
                continue;
            }

            using (response)
            {
                if (response.IsSuccessStatusCode)
                {
                    try
                    {
                        text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
                    {
                        (last, lastStatus) = (ex, null);
                        Rotate(baseIndex);
                        continue;
                    }

                    using JsonDocument json = JsonDocument.Parse(text);
                    return read(json.RootElement);
                }

                HeraldException problem = await ProblemAsync(response, $"Publishing to '{stream}'", cancellationToken).ConfigureAwait(false);
                if (!IsRetryableStatus(response.StatusCode))
                {
                    throw problem;
                }

                (last, lastStatus) = (problem, problem.StatusCode);
                retryAfter = RetryAfter(response);
                Rotate(baseIndex);
            }
        }

        throw new HeraldException(
            lastStatus,
            title: null,
            detail: null,
            problemType: null,
            $"Publishing to '{stream}' failed after {_options.MaxPublishAttempts} attempts with Idempotency-Key {idempotencyKey}: {last?.Message}",
            last);
    }
}
