using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Herald.AspNetCore;

/// <summary>API.md "Read": <c>info</c> and <c>events</c>, plain JSON views of the log.</summary>
internal sealed class ReadEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    private readonly IEventLog _log;
    private readonly Subscriptions.SubscriptionHub _hub;

    public ReadEndpoints(IEventLog log, Subscriptions.SubscriptionHub hub)
    {
        _log = log;
        _hub = hub;
    }

    public async Task InfoAsync(HttpContext context, string name)
    {
        if (!await HeraldGuards.SubscriberMayReadAsync(context, name))
        {
            return;
        }

        if (!StreamNames.IsValid(name))
        {
            await Problems.WriteAsync(context, Problem.InvalidStreamName(name));
            return;
        }

        if (await StreamAccess.DeniedAsync(context, name, publish: false))
        {
            return;
        }

        StreamInfo info = await _log.GetInfoAsync(name, context.RequestAborted);
        int subscribers = _hub.SubscriberCount(name);
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
        if (!await HeraldGuards.SubscriberMayReadAsync(context, name))
        {
            return;
        }

        if (!StreamNames.IsValid(name))
        {
            await Problems.WriteAsync(context, Problem.InvalidStreamName(name));
            return;
        }

        if (await StreamAccess.DeniedAsync(context, name, publish: false))
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

        int limit = DefaultLimit;
        StringValues limitValues = context.Request.Query["limit"];
        if (limitValues.Count > 0)
        {
            if (limitValues.Count > 1 || !StreamPosition.TryParse(limitValues[0], out long requested) || requested < 1)
            {
                await Problems.WriteAsync(context, Problem.BadRequest("invalid-limit", "Invalid limit", $"limit must be a whole number from 1; values above {MaxLimit} are capped."));
                return;
            }

            limit = (int)Math.Min(requested, MaxLimit);
        }

        IReadOnlyList<StoredEvent> events = await _log.ReadAsync(name, after, limit, context.RequestAborted);
        StreamInfo info = await _log.GetInfoAsync(name, context.RequestAborted);
        await JsonResponses.StreamAsync(context, StatusCodes.Status200OK, (name, events, info.Last), static (json, s) =>
        {
            json.WriteString("stream", s.name);
            json.WriteStartArray("events");
            foreach (StoredEvent e in s.events)
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
            }

            json.WriteEndArray();
            json.WriteNumber("last", s.Last);
        });
    }
}
