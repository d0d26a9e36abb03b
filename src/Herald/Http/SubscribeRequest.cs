using System.Buffers;
using Herald.Delivery;
using Herald.Hosting;
using Herald.Http.Formats;
using Herald.Sse;
using Herald.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Primitives;

namespace Herald.Http;

/// <summary>What both subscribe endpoints read from a request and how both start an event stream (docs/protocol.md).</summary>
internal static class SubscribeRequest
{
    /// <summary>The resume position's text and where it came from: the <c>Last-Event-ID</c> header, else the <c>lastEventId</c> parameter.</summary>
    public static (StringValues Values, string Source) ReadPosition(HttpRequest request) =>
        request.Headers.TryGetValue("Last-Event-ID", out StringValues header)
            ? (header, "The Last-Event-ID header")
            : (request.Query["lastEventId"], "The lastEventId query parameter");

    /// <summary>
    /// docs/protocol.md: <c>epoch</c> only matters with a position. An empty one is refused either way; given more than once
    /// it is refused with a position (which would it be?) and, like any epoch, ignored without one.
    /// </summary>
    public static bool TryReadEpoch(HttpRequest request, bool hasPosition, out string? epoch, out Problem? problem)
    {
        epoch = null;
        problem = null;
        StringValues values = request.Query["epoch"];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Any(string.IsNullOrEmpty))
        {
            problem = Problem.BadRequest("invalid-epoch", "Invalid epoch", "The epoch query parameter, when present, must not be empty.");
            return false;
        }

        if (!hasPosition)
        {
            return true;
        }

        if (values.Count == 1)
        {
            epoch = values[0];
            return true;
        }

        problem = Problem.BadRequest("invalid-epoch", "Invalid epoch", "The epoch query parameter must appear once with a position.");
        return false;
    }

    /// <summary>The <c>type=</c> filter: null when the request names no type (every event is delivered).</summary>
    public static bool TryReadTypes(HttpRequest request, out EventTypeFilter? filter, out Problem? problem)
    {
        filter = null;
        problem = null;
        StringValues values = request.Query["type"];
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count > EventTypeFilter.MaxTypes)
        {
            problem = Problem.BadRequest("invalid-type", "Invalid type filter", $"A subscription may name at most {EventTypeFilter.MaxTypes} types; got {values.Count}.");
            return false;
        }

        foreach (string? type in values)
        {
            if (type is null || !EventTypes.IsValid(type))
            {
                problem = Problem.BadRequest(
                    "invalid-type",
                    "Invalid type filter",
                    $"Each type parameter is an event type: 1-{EventTypes.MaxLength} characters of A-Z a-z 0-9 _ . : -.");
                return false;
            }
        }

        filter = new EventTypeFilter(values!);
        return true;
    }

    /// <summary>
    /// The stream's state for <c>hello</c> and the resume decision. A subscriber that starts live needs only the stream's
    /// last ID, which the stream's in-memory state knows once one subscriber has read it from the store: so thousands of
    /// subscribers connecting to a watched stream cost no store read each (issue #14: on SQLite that read's garbage made
    /// the GC keep more heap committed per idle connection). One that resumes from a position needs the oldest retained
    /// ID as well, which only the store knows.
    /// </summary>
    public static ValueTask<StreamInfo> InfoAsync(IEventLog log, StreamState state, long? position, CancellationToken aborted)
    {
        if (position is null && state.TryGetLiveLast(out long last))
        {
            return new(new StreamInfo(null, last));
        }

        return ReadAsync(log, state, aborted);

        static async ValueTask<StreamInfo> ReadAsync(IEventLog log, StreamState state, CancellationToken aborted)
        {
            StreamInfo info = await log.GetInfoAsync(state.Name, aborted).ConfigureAwait(false);
            state.RecordLast(info.Last);
            return info;
        }
    }

    /// <summary>
    /// Decides where a stream's cursor starts (<see cref="ResumePlan"/>), writes the <c>reset</c> frame that calls for
    /// (naming <paramref name="stream"/> on a connection to several streams, else null) and records the resume.
    /// </summary>
    public static ResumePlan Resume(
        IBufferWriter<byte> output, HeraldMetrics metrics, string? stream, long? position, string? epoch, string storeEpoch, StreamInfo info)
    {
        ResumePlan plan = ResumePlan.Decide(position, epoch, storeEpoch, info);
        if (plan.Outcome == ResumeOutcome.Reset)
        {
            ControlFrames.WriteReset(output, stream, position!.Value, info.Last, storeEpoch);
            metrics.ResetFrames.Add(1);
        }

        metrics.Resumed(plan.OutcomeName);
        metrics.ReplayDepth.Record(ResumePlan.EventsToReplay(plan.Cursor, info));
        return plan;
    }

    public static void StartEventStream(HttpContext context)
    {
        HttpResponse response = context.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache";
        response.Headers["X-Accel-Buffering"] = "no";

        // Events must reach the client at once, even behind response buffering or compression (as SignalR's SSE transport does).
        response.Headers.ContentEncoding = "identity";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
    }
}
