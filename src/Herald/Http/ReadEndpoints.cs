using Herald.Delivery;
using System.Text.Json;
using Herald.Http.Formats;
using Herald.Http.Limits;
using Herald.Http.Security;
using Herald.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Herald.Http;

/// <summary>docs/protocol.md "Read": <c>info</c> and <c>events</c>, plain JSON views of the log.</summary>
internal sealed class ReadEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;
    private const int FlushBytes = 256 * 1024;

    private readonly IEventLog _log;
    private readonly SubscriptionHub _hub;
    private readonly HeraldOptions _options;

    public ReadEndpoints(IEventLog log, SubscriptionHub hub, IOptions<HeraldOptions> options)
    {
        _log = log;
        _hub = hub;
        _options = options.Value;
    }

    public async Task InfoAsync(HttpContext context, string name)
    {
        if (!await HeraldGuards.MayReadStreamAsync(context, name))
        {
            return;
        }

        StreamInfo info = await _log.GetInfoAsync(name, context.RequestAborted);
        long subscribers = (await _hub.CountSubscribersAsync([name], context.RequestAborted))[0];
        await JsonResponses.WriteAsync(context, StatusCodes.Status200OK, (name, info, subscribers, _log.Epoch), static (json, s) =>
        {
            json.WriteString("stream", s.name);
            json.WriteString("epoch", s.Epoch);
            if (s.info.First is long first)
            {
                json.WriteNumber("first", first);
            }
            else
            {
                json.WriteNull("first");
            }

            json.WriteNumber("last", s.info.Last);
            json.WriteNumber("subscribers", s.subscribers);
        });
    }

    public async Task EventsAsync(HttpContext context, string name)
    {
        if (!await HeraldGuards.MayReadStreamAsync(context, name))
        {
            return;
        }

        long after = 0;
        StringValues afterValues = context.Request.Query["after"];
        if (afterValues.Count > 0 && (afterValues.Count > 1 || !StreamPosition.TryParse(afterValues[0], out after)))
        {
            await Problems.WriteAsync(context, Problem.InvalidPosition("The after query parameter"));
            return;
        }

        if (!TryGetLimit(context, out int limit))
        {
            await Problems.WriteAsync(context, Problem.BadRequest("invalid-limit", "Invalid limit", $"limit must be a whole number from 1; values above {MaxLimit} are capped."));
            return;
        }

        // A page bounded in bytes as well as events (docs/protocol.md "Limits"): it ends early rather than exceed MaxPageBytes, IDs
        // still contiguous from after, and the client pages on from the last one.
        IReadOnlyList<StoredEvent> events = await _log.ReadAsync(name, after, limit, _options.MaxPageBytes, context.RequestAborted);
        StreamInfo info = await _log.GetInfoAsync(name, context.RequestAborted);
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "application/json";
        await using Utf8JsonWriter json = new(response.BodyWriter, JsonResponses.WriterOptions);
        json.WriteStartObject();
        json.WriteString("stream", name);
        json.WriteStartArray("events");
        foreach (StoredEvent e in events)
        {
            json.WriteStartObject();
            json.WriteNumber("id", e.Id);
            if (e.EventType is null)
            {
                json.WriteNull("event");
            }
            else
            {
                json.WriteString("event", e.EventType);
            }

            json.WriteString("data", e.Data.Span);
            json.WriteEndObject();
            if (json.BytesPending >= FlushBytes)
            {
                // Written as it goes: a slow reader holds the pipe's share of the page, not a second copy of all of it.
                json.Flush();
                await response.BodyWriter.FlushAsync(context.RequestAborted);
            }
        }

        json.WriteEndArray();
        json.WriteNumber("last", info.Last);
        json.WriteEndObject();
        json.Flush();
        await response.BodyWriter.FlushAsync(context.RequestAborted);
    }

    /// <summary>
    /// docs/protocol.md "List streams": one page of streams in ordinal order of their names, with every node's
    /// subscriber count, and the name to pass as <c>after</c> for the next page.
    /// </summary>
    public async Task ListAsync(HttpContext context)
    {
        // Stream names are information too: with subscriber tokens on, listing needs a token that may read every stream.
        if (!await HeraldGuards.SubscriberMayListAsync(context))
        {
            return;
        }

        string? after = null;
        StringValues afterValues = context.Request.Query["after"];
        if (afterValues.Count > 0)
        {
            after = afterValues[0];
            if (afterValues.Count > 1 || after is null || !StreamNames.IsValid(after))
            {
                await Problems.WriteAsync(context, Problem.BadRequest(
                    "invalid-after", "Invalid after", "after must be a stream name (the next member of the previous page), given once."));
                return;
            }
        }

        if (!TryGetLimit(context, out int limit))
        {
            await Problems.WriteAsync(context, Problem.BadRequest("invalid-limit", "Invalid limit", $"limit must be a whole number from 1; values above {MaxLimit} are capped."));
            return;
        }

        // One more than asked: whether it comes back says if there is a next page, without an empty last page to fetch.
        IReadOnlyList<StreamSummary> found = await _log.ListStreamsAsync(after, limit + 1, context.RequestAborted);
        bool more = found.Count > limit;
        int count = Math.Min(found.Count, limit);
        List<StreamSummary> shown = new(count);
        for (int i = 0; i < count; i++)
        {
            // The application's authorizer hides the streams it would not let this caller subscribe to; the page may then
            // hold fewer than limit, and next still continues after the last name the store returned.
            if (!await StreamAccess.IsHiddenAsync(context, found[i].Name))
            {
                shown.Add(found[i]);
            }
        }

        // One read for the page (every node's counts in a shared store), not one per stream.
        IReadOnlyList<long> counts = await _hub.CountSubscribersAsync([.. shown.Select(s => s.Name)], context.RequestAborted);
        List<(StreamSummary Stream, long Subscribers)> page = [.. shown.Select((s, i) => (s, counts[i]))];

        string? next = more ? found[count - 1].Name : null;
        await JsonResponses.StreamAsync(context, StatusCodes.Status200OK, (page, next), static (json, s) =>
        {
            json.WriteStartArray("streams");
            foreach ((StreamSummary stream, long subscribers) in s.page)
            {
                json.WriteStartObject();
                json.WriteString("name", stream.Name);
                if (stream.First is long first)
                {
                    json.WriteNumber("first", first);
                }
                else
                {
                    json.WriteNull("first");
                }

                json.WriteNumber("last", stream.Last);
                json.WriteNumber("subscribers", subscribers);
                json.WriteEndObject();
            }

            json.WriteEndArray();
            if (s.next is null)
            {
                json.WriteNull("next");
            }
            else
            {
                json.WriteString("next", s.next);
            }
        });
    }

    // docs/protocol.md "Read": limit defaults to 100 and is capped at 1000; anything but one whole number from 1 is a 400.
    private static bool TryGetLimit(HttpContext context, out int limit)
    {
        limit = DefaultLimit;
        StringValues limitValues = context.Request.Query["limit"];
        if (limitValues.Count == 0)
        {
            return true;
        }

        if (limitValues.Count > 1 || !StreamPosition.TryParse(limitValues[0], out long requested) || requested < 1)
        {
            return false;
        }

        limit = (int)Math.Min(requested, MaxLimit);
        return true;
    }
}
