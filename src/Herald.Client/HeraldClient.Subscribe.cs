using System.Globalization;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Herald.Client;

public sealed partial class HeraldClient
{
    /// <summary>
    /// Subscribes to <paramref name="stream"/> and yields its events in ID order, each once, plus <see cref="HeraldGap"/> and
    /// <see cref="HeraldReset"/> when the server says the caller's view is incomplete or stale. The subscription never ends
    /// by itself: it reconnects after network errors, 5xx answers and server restarts (exponential backoff with full
    /// jitter, the server's <c>retry:</c> after a clean end, the next base URL on a failure), resuming with
    /// <c>Last-Event-ID</c> = the last ID it yielded and the <c>epoch</c> it learned from the server, and it drops any event
    /// whose ID is not greater than the last one yielded.
    /// </summary>
    /// <param name="stream">The stream's name (docs/protocol.md "Streams").</param>
    /// <param name="lastEventId">
    /// Null: live only, from the moment of connecting (later reconnects still resume without loss). 0: every retained
    /// event. N: every retained event after N.
    /// </param>
    /// <param name="cancellationToken">Ends the subscription; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The items; enumerate it once.</returns>
    /// <exception cref="HeraldException">During enumeration: the server refused the subscription with a 4xx answer (other than 408/429), such as an invalid stream name or position.</exception>
    /// <exception cref="OperationCanceledException">During enumeration: <paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<HeraldItem> SubscribeAsync(string stream, long? lastEventId = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        if (lastEventId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lastEventId), lastEventId, "A position is 0 or more.");
        }

        return SubscribeCoreAsync(stream, lastEventId, cancellationToken);
    }

    private async IAsyncEnumerable<HeraldItem> SubscribeCoreAsync(string stream, long? lastEventId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        Subscription state = new() { Cursor = lastEventId };
        bool first = true;
        while (true)
        {
            if (!first)
            {
                await DelayAsync(ReconnectDelay(state), cancellationToken).ConfigureAwait(false);
            }

            first = false;
            int baseIndex = CurrentBaseIndex;
            state.Greeted = false;
            using HttpResponseMessage? response = await ConnectAsync(_baseUrls[baseIndex], stream, state, cancellationToken).ConfigureAwait(false);
            if (response is null)
            {
                state.Failures++;
                Rotate(baseIndex);
                continue;
            }

            Stream body;
            try
            {
                body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
            {
                state.Failures++;
                Rotate(baseIndex);
                continue;
            }

            IdleTimeoutStream watched = new(body, _options.IdleTimeout, _options.TimeProvider);
            await using (watched.ConfigureAwait(false))
            {
                SseParser<string> parser = SseParser.Create(watched);
                IAsyncEnumerator<SseItem<string>> items = parser.EnumerateAsync(cancellationToken).GetAsyncEnumerator(cancellationToken);
                try
                {
                    while (true)
                    {
                        bool moved;
                        try
                        {
                            moved = await items.MoveNextAsync().ConfigureAwait(false);
                        }
                        catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
                        {
                            moved = false; // cut off, possibly mid-frame: resume from the last event yielded, not from the parser's LastEventId
                        }
                        catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
                        {
                            throw new OperationCanceledException("The subscription was cancelled.", ex, cancellationToken);
                        }

                        if (!moved)
                        {
                            break;
                        }

                        HeraldItem? item = Accept(items.Current, state);
                        if (item is not null)
                        {
                            cancellationToken.ThrowIfCancellationRequested();
                            yield return item;
                        }
                    }
                }
                finally
                {
                    await items.DisposeAsync().ConfigureAwait(false);
                }

                TimeSpan retry = parser.ReconnectionInterval;
                if (retry > TimeSpan.Zero && retry != Timeout.InfiniteTimeSpan)
                {
                    state.Retry = retry;
                }
            }

            // A connection that never got as far as hello did not work, whatever ended it.
            if (!state.Greeted)
            {
                state.Failures++;
                Rotate(baseIndex);
            }
        }
    }

    /// <summary>
    /// After a connection that worked (hello seen, then ended): the server's <c>retry:</c> (capped at the maximum delay; the
    /// server randomizes it on shutdown), else a jittered minimum. After failures: the next base URL at once while some are
    /// untried in this round, then exponential backoff with full jitter per round.
    /// </summary>
    private TimeSpan ReconnectDelay(Subscription state)
    {
        TimeSpan delay = BaseReconnectDelay(state);
        if (state.RetryAfter is TimeSpan asked)
        {
            // The server said when to come back (429/503 + Retry-After): not sooner, and not later than the cap.
            state.RetryAfter = null;
            return Max(delay, asked);
        }

        return delay;
    }

    private TimeSpan BaseReconnectDelay(Subscription state)
    {
        if (state.Failures == 0)
        {
            return state.Retry is TimeSpan retry ? (retry < _options.MaxReconnectDelay ? retry : _options.MaxReconnectDelay) : Backoff(1);
        }

        return state.Failures % _baseUrls.Length != 0 ? TimeSpan.Zero : Backoff(state.Failures / _baseUrls.Length);
    }

    /// <summary>Opens the SSE response; null for what is worth another try (network error, timeout, 5xx, 408, 429).</summary>
    private async Task<HttpResponseMessage?> ConnectAsync(Uri baseUrl, string stream, Subscription state, CancellationToken cancellationToken)
    {
        // docs/protocol.md "Subscribe": epoch is ignored without a position, so it is sent only with one.
        string? query = state.Cursor is not null && state.Epoch is not null ? "epoch=" + Uri.EscapeDataString(state.Epoch) : null;
        using HttpRequestMessage request = new(HttpMethod.Get, StreamUri(baseUrl, stream, null, query));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (state.Cursor is long cursor)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", FormatId(cursor));
        }

        HttpResponseMessage response;
        try
        {
            response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
        {
            return null;
        }

        if (response.IsSuccessStatusCode)
        {
            return response;
        }

        using (response)
        {
            if (IsRetryableStatus(response.StatusCode))
            {
                state.RetryAfter = RetryAfter(response);
                return null;
            }

            throw await ProblemAsync(response, $"Subscribing to '{stream}'", cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Turns one parsed frame into what the caller sees, updating the cursor and epoch; null when it is not for the caller.</summary>
    private static HeraldItem? Accept(SseItem<string> frame, Subscription state)
    {
        if (frame.EventId is null)
        {
            return frame.EventType switch
            {
                "hello" => Hello(frame.Data, state),
                "gap" => Gap(frame.Data, state),
                "reset" => Reset(frame.Data, state),
                _ => null, // docs/protocol.md defines no other frame without an ID
            };
        }

        if (!long.TryParse(frame.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out long id))
        {
            return null;
        }

        if (state.Cursor is long cursor && id <= cursor)
        {
            return null; // already yielded: a replay overlapping what this subscription delivered
        }

        state.Cursor = id;
        return new HeraldEvent(id, frame.EventType, frame.Data);
    }

    private static HeraldItem? Hello(string data, Subscription state)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        state.Epoch = StringMember(json.RootElement, "epoch") ?? state.Epoch;

        // A live-only subscription is "after hello.last" (docs/protocol.md: last = the state at connect time); keeping that as the
        // cursor lets a reconnect before the first event resume without losing anything.
        state.Cursor ??= json.RootElement.GetProperty("last").GetInt64();
        state.Greeted = true;
        state.Failures = 0;
        return null;
    }

    private static HeraldGap Gap(string data, Subscription state)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        HeraldGap gap = new(json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("first").GetInt64());

        // The caller has been told about the gap: a reconnect before the first replayed event resumes after it rather
        // than reporting the same gap again.
        if (state.Cursor is not long cursor || gap.First - 1 > cursor)
        {
            state.Cursor = gap.First - 1;
        }

        return gap;
    }

    private static HeraldReset Reset(string data, Subscription state)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        string epoch = StringMember(json.RootElement, "epoch") ?? string.Empty;
        state.Epoch = epoch;

        // docs/protocol.md: after reset the server sends every retained event, whose IDs may be at or below the old cursor.
        state.Cursor = 0;
        return new HeraldReset(json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("last").GetInt64(), epoch);
    }

    private static bool IsConnectionError(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or OperationCanceledException;

    private sealed class Subscription
    {
        /// <summary>The last ID yielded to the caller (or the live starting point); null before the first hello of a live subscription.</summary>
        public long? Cursor { get; set; }

        public string? Epoch { get; set; }

        public TimeSpan? Retry { get; set; }

        /// <summary>The <c>Retry-After</c> of the last refused attempt, used once.</summary>
        public TimeSpan? RetryAfter { get; set; }

        /// <summary>Failed attempts in a row; reset by a hello.</summary>
        public int Failures { get; set; }

        public bool Greeted { get; set; }
    }
}
