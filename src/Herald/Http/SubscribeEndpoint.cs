using Herald.Delivery;
using Herald.Hosting;
using Herald.Http.Formats;
using Herald.Http.Limits;
using Herald.Sse;
using Herald.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Herald.Http;

/// <summary>docs/protocol.md "Subscribe": the resume position decides the first frames; then one cursor loop serves replay and live.</summary>
internal sealed partial class SubscribeEndpoint
{
    private readonly IEventLog _log;
    private readonly SubscriptionHub _hub;
    private readonly HeraldOptions _options;
    private readonly HeraldMetrics _metrics;
    private readonly ILogger<SubscribeEndpoint> _logger;
    private readonly CancellationToken _stopping;

    public SubscribeEndpoint(IEventLog log, SubscriptionHub hub, IOptions<HeraldOptions> options, HeraldMetrics metrics, IHostApplicationLifetime lifetime, ILogger<SubscribeEndpoint> logger)
    {
        _stopping = lifetime.ApplicationStopping;
        _log = log;
        _hub = hub;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task SubscribeAsync(HttpContext context, string name)
    {
        if (!await HeraldGuards.MayReadStreamAsync(context, name))
        {
            return;
        }

        if (!TryReadPosition(context.Request, out long? position, out Problem? problem)
            || !SubscribeRequest.TryReadEpoch(context.Request, hasPosition: position is not null, out string? epoch, out problem)
            || !SubscribeRequest.TryReadTypes(context.Request, out EventTypeFilter? types, out problem))
        {
            await Problems.WriteAsync(context, problem!);
            return;
        }

        if (_hub.IsStopping || _stopping.IsCancellationRequested)
        {
            // docs/protocol.md "Operations": refused by closing the connection, never a non-200, which would stop a
            // browser's EventSource for good; a closed connection makes it reconnect (to another node, or here later).
            Log.RefusedWhileStopping(_logger, name);
            context.Abort();
            return;
        }

        using ConnectionLimits.ConnectionSlot? slot = await HeraldGuards.EnterSubscriptionAsync(context);
        if (slot is null)
        {
            return;
        }

        SubscribeRequest.StartEventStream(context);
        CancellationToken aborted = context.RequestAborted;

        // Acquire before reading the store's state: every append after this point reaches the stream's hot tail.
        StreamState state = _hub.Acquire(name);
        _metrics.Subscribers.Add(1);
        try
        {
            SubscriptionOutput response = SubscriptionOutput.ForOneStream(context.Response.BodyWriter, types, _hub.TimeProvider.GetTimestamp());
            string storeEpoch = _log.Epoch;
            state.EnsureEpoch(storeEpoch);
            StreamInfo info = await SubscribeRequest.InfoAsync(_log, state, position, aborted);
            EventFrame.WriteRetry(response, (int)_options.Retry.TotalMilliseconds);
            ControlFrames.WriteHello(response, name, storeEpoch, info.Last);
            ResumePlan plan = SubscribeRequest.Resume(response, _metrics, stream: null, position, epoch, storeEpoch, info);
            Log.Subscribed(_logger, name, plan.OutcomeName, plan.Cursor);

            var subscription = new SubscriptionCursor(_hub, _log, state, response, _metrics, _options, plan.Cursor)
            {
                StreamLastAtStart = info.Last,
                Epoch = storeEpoch,
                StartsLive = plan.Outcome == ResumeOutcome.Live,
            };
            await response.FlushAsync(_hub.TimeProvider, aborted);
            await subscription.RunAsync(aborted);
            Log.Unsubscribed(_logger, name, subscription.Position);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; it resumes with Last-Event-ID.
        }
        finally
        {
            _metrics.Subscribers.Add(-1);
            _hub.Release(state);
        }
    }

    private static bool TryReadPosition(HttpRequest request, out long? position, out Problem? problem)
    {
        position = null;
        problem = null;
        (StringValues values, string source) = SubscribeRequest.ReadPosition(request);
        if (values.Count == 0)
        {
            return true;
        }

        if (values.Count == 1 && StreamPosition.TryParse(values[0], out long parsed))
        {
            position = parsed;
            return true;
        }

        problem = Problem.InvalidPosition(source);
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2101, Level = LogLevel.Debug, Message = "Subscriber on {Stream} started ({Outcome}) after {Position}")]
        public static partial void Subscribed(ILogger logger, string stream, string outcome, long position);

        [LoggerMessage(EventId = 2103, Level = LogLevel.Debug, Message = "Subscription to {Stream} refused by closing the connection: the server is stopping")]
        public static partial void RefusedWhileStopping(ILogger logger, string stream);

        [LoggerMessage(EventId = 2102, Level = LogLevel.Debug, Message = "Subscriber on {Stream} ended at {Position}")]
        public static partial void Unsubscribed(ILogger logger, string stream, long position);
    }
}
