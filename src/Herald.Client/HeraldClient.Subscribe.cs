using System.Diagnostics.CodeAnalysis;
using System.Net.Http.Headers;
using System.Runtime.CompilerServices;

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
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The first parameters differ in type (string, IEnumerable<string>): no call can bind to both.")]
    [SuppressMessage("ApiDesign", "RS0027:API with optional parameter(s) should have the most parameters amongst its public overloads", Justification = "The overload with a type filter has no optional parameters: no call can bind to both.")]
    public IAsyncEnumerable<HeraldItem> SubscribeAsync(string stream, long? lastEventId = null, CancellationToken cancellationToken = default) =>
        SubscribeAsync(stream, lastEventId, eventTypes: null, cancellationToken);

    /// <summary>
    /// As <see cref="SubscribeAsync(string, long?, CancellationToken)"/>, yielding only events of the given types
    /// (<c>"message"</c> also matches events published without one). Events of other types still move the position, so a
    /// reconnect never reads them again.
    /// </summary>
    /// <param name="stream">The stream's name (docs/protocol.md "Streams").</param>
    /// <param name="lastEventId">Null: live only. 0: every retained event. N: every retained event after N.</param>
    /// <param name="eventTypes">The types to deliver; null or empty for all.</param>
    /// <param name="cancellationToken">Ends the subscription; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The items; enumerate it once.</returns>
    /// <exception cref="HeraldException">During enumeration: the server refused the subscription with a 4xx answer (other than 408/429), such as an invalid stream name, position or type.</exception>
    /// <exception cref="OperationCanceledException">During enumeration: <paramref name="cancellationToken"/> was cancelled.</exception>
    public IAsyncEnumerable<HeraldItem> SubscribeAsync(string stream, long? lastEventId, IEnumerable<string>? eventTypes, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        if (lastEventId < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(lastEventId), lastEventId, "A position is 0 or more.");
        }

        return SubscribeCoreAsync(new OneStreamSubscription(stream, lastEventId, eventTypes), cancellationToken);
    }

    /// <summary>
    /// Subscribes to several streams on one connection (<c>GET /subscribe</c>) and yields each stream's events in ID order,
    /// each once, with <see cref="HeraldEvent.Stream"/> and <see cref="HeraldEvent.Cursor"/> set, plus a
    /// <see cref="HeraldGap"/> or <see cref="HeraldReset"/> per stream whose view is incomplete or stale. Events of different
    /// streams interleave in any order. Reconnects as the one-stream subscription does, resuming every stream exactly with a
    /// composite <c>Last-Event-ID</c> (<c>orders:42,prices:17</c>) and the learned <c>epoch</c>.
    /// </summary>
    /// <param name="streams">The streams' names, each once; at most the server's limit (64 by default).</param>
    /// <param name="cursor">
    /// Where to resume, typically a saved <see cref="HeraldEvent.Cursor"/>: each stream with a position resumes after it (0:
    /// every retained event); a stream without one starts live; positions of streams not subscribed are ignored but kept in
    /// every <see cref="HeraldEvent.Cursor"/>. Null: every stream live.
    /// </param>
    /// <param name="eventTypes">The types to deliver (<c>"message"</c> also matches untyped events); null or empty for all. Skipped events still move the cursor.</param>
    /// <param name="cancellationToken">Ends the subscription; the enumeration then throws <see cref="OperationCanceledException"/>.</param>
    /// <returns>The items; enumerate it once.</returns>
    /// <exception cref="ArgumentException">No stream, an empty name or a name given twice.</exception>
    /// <exception cref="HeraldException">During enumeration: the server refused the subscription with a 4xx answer (other than 408/429), such as an invalid stream name, too many streams or an invalid type.</exception>
    /// <exception cref="OperationCanceledException">During enumeration: <paramref name="cancellationToken"/> was cancelled.</exception>
    [SuppressMessage("ApiDesign", "RS0026:Do not add multiple public overloads with optional parameters", Justification = "The first parameters differ in type (string, IEnumerable<string>): no call can bind to both.")]
    public IAsyncEnumerable<HeraldItem> SubscribeAsync(
        IEnumerable<string> streams, StreamCursor? cursor = null, IEnumerable<string>? eventTypes = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        string[] names = [.. streams];
        if (names.Length == 0)
        {
            throw new ArgumentException("At least one stream is needed.", nameof(streams));
        }

        foreach (string name in names)
        {
            ArgumentException.ThrowIfNullOrEmpty(name, nameof(streams));
        }

        if (names.Distinct(StringComparer.Ordinal).Count() != names.Length)
        {
            throw new ArgumentException("A stream is named twice.", nameof(streams));
        }

        return SubscribeCoreAsync(new SeveralStreamsSubscription(names, cursor, eventTypes), cancellationToken);
    }

    private async IAsyncEnumerable<HeraldItem> SubscribeCoreAsync(SubscriptionState state, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        bool first = true;
        while (true)
        {
            if (!first)
            {
                await DelayAsync(ReconnectDelay(state), cancellationToken).ConfigureAwait(false);
            }

            first = false;
            int baseIndex = CurrentBaseIndex;
            state.Connecting();
            using HttpResponseMessage? response = await ConnectAsync(_baseUrls[baseIndex], state, cancellationToken).ConfigureAwait(false);
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
                // Only complete frames reach Accept: a connection cut mid-frame resumes from the last one that arrived whole.
                using SseFrameReader reader = new(watched);
                while (true)
                {
                    SseFrame? frame;
                    try
                    {
                        frame = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception ex) when (IsConnectionError(ex, cancellationToken))
                    {
                        frame = null;
                    }
                    catch (Exception ex) when (ex is not OperationCanceledException && cancellationToken.IsCancellationRequested)
                    {
                        throw new OperationCanceledException("The subscription was cancelled.", ex, cancellationToken);
                    }

                    if (frame is not SseFrame complete)
                    {
                        break;
                    }

                    HeraldItem? item = state.Accept(complete);
                    if (item is not null)
                    {
                        cancellationToken.ThrowIfCancellationRequested();
                        yield return item;
                    }
                }

                if (reader.ReconnectionInterval is TimeSpan retry && retry > TimeSpan.Zero)
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
    private TimeSpan ReconnectDelay(SubscriptionState state)
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

    private TimeSpan BaseReconnectDelay(SubscriptionState state)
    {
        if (state.Failures == 0)
        {
            return state.Retry is TimeSpan retry ? (retry < _options.MaxReconnectDelay ? retry : _options.MaxReconnectDelay) : Backoff(1);
        }

        return state.Failures % _baseUrls.Length != 0 ? TimeSpan.Zero : Backoff(state.Failures / _baseUrls.Length);
    }

    /// <summary>Opens the SSE response; null for what is worth another try (network error, timeout, 5xx, 408, 429).</summary>
    private async Task<HttpResponseMessage?> ConnectAsync(Uri baseUrl, SubscriptionState state, CancellationToken cancellationToken)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, state.RequestUri(baseUrl));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        if (state.LastEventId is { } lastEventId)
        {
            request.Headers.TryAddWithoutValidation("Last-Event-ID", lastEventId);
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

            throw await ProblemAsync(response, $"Subscribing to {state.Description}", cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool IsConnectionError(Exception ex, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested && ex is HttpRequestException or IOException or OperationCanceledException;
}
