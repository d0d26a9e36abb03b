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

/// <summary>
/// docs/protocol.md "Subscribe to several streams": one connection, one cursor per stream on a shared response. Each stream
/// resumes exactly as a one-stream subscription would (the same <see cref="ResumePlan"/>, the same cursor loop); the
/// response gives the cursors turns and stamps every event with the whole composite cursor.
/// </summary>
internal sealed partial class SubscribeManyEndpoint
{
    private readonly IEventLog _log;
    private readonly SubscriptionHub _hub;
    private readonly HeraldOptions _options;
    private readonly HeraldMetrics _metrics;
    private readonly ILogger<SubscribeManyEndpoint> _logger;
    private readonly CancellationToken _stopping;

    public SubscribeManyEndpoint(IEventLog log, SubscriptionHub hub, IOptions<HeraldOptions> options, HeraldMetrics metrics, IHostApplicationLifetime lifetime, ILogger<SubscribeManyEndpoint> logger)
    {
        _stopping = lifetime.ApplicationStopping;
        _log = log;
        _hub = hub;
        _options = options.Value;
        _metrics = metrics;
        _logger = logger;
    }

    public async Task SubscribeAsync(HttpContext context)
    {
        if (!TryReadStreams(context.Request, out string[] streams, out Problem? problem)
            || !TryReadCursor(context.Request, out Dictionary<string, long>? positions, out problem)
            || !SubscribeRequest.TryReadEpoch(context.Request, hasPosition: positions is not null, out string? epoch, out problem)
            || !SubscribeRequest.TryReadTypes(context.Request, out EventTypeFilter? types, out problem))
        {
            await Problems.WriteAsync(context, problem!);
            return;
        }

        // The subscriber token for every stream, then the application's authorizer per stream: one refusal refuses the connection.
        if (!await HeraldGuards.MayReadStreamsAsync(context, streams))
        {
            return;
        }

        if (_hub.IsStopping || _stopping.IsCancellationRequested)
        {
            // As for one stream: closing the connection makes an EventSource reconnect, where a non-200 would stop it.
            context.Abort();
            return;
        }

        // One connection, one slot under the connection caps, however many streams it follows.
        using ConnectionLimits.ConnectionSlot? slot = await HeraldGuards.EnterSubscriptionAsync(context);
        if (slot is null)
        {
            return;
        }

        SubscribeRequest.StartEventStream(context);
        CancellationToken aborted = context.RequestAborted;
        List<StreamState> states = new(streams.Length);
        try
        {
            // Acquire every stream before reading any state: every append after this point reaches its stream's hot tail.
            foreach (string stream in streams)
            {
                states.Add(_hub.Acquire(stream));
                _metrics.Subscribers.Add(1);
            }

            await RunAsync(context, streams, states, positions, epoch, types, aborted);
        }
        catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            // The client went away; it resumes with its composite Last-Event-ID.
        }
        finally
        {
            foreach (StreamState state in states)
            {
                _metrics.Subscribers.Add(-1);
                _hub.Release(state);
            }
        }
    }

    private async Task RunAsync(
        HttpContext context, string[] streams, List<StreamState> states, Dictionary<string, long>? positions, string? epoch, EventTypeFilter? types, CancellationToken aborted)
    {
        string storeEpoch = _log.Epoch;
        SubscriptionOutput output = SubscriptionOutput.ForSeveralStreams(context.Response.BodyWriter, types, _hub.TimeProvider.GetTimestamp());
        StreamInfo[] infos = new StreamInfo[streams.Length];
        long?[] starts = new long?[streams.Length];
        for (int i = 0; i < streams.Length; i++)
        {
            states[i].EnsureEpoch(storeEpoch);

            // Each stream resumes after its own pair exactly as one stream would; one without a pair starts live.
            starts[i] = positions is not null && positions.TryGetValue(streams[i], out long p) ? p : null;
            infos[i] = await SubscribeRequest.InfoAsync(_log, states[i], starts[i], aborted);
        }

        EventFrame.WriteRetry(output, (int)_options.Retry.TotalMilliseconds);
        ControlFrames.WriteHello(output, storeEpoch, [.. streams.Select((stream, i) => (stream, infos[i].Last))]);
        List<SubscriptionCursor> cursors = new(streams.Length);
        bool reset = false;
        for (int i = 0; i < streams.Length; i++)
        {
            ResumePlan plan = SubscribeRequest.Resume(output, _metrics, streams[i], starts[i], epoch, storeEpoch, infos[i]);
            reset |= plan.Outcome == ResumeOutcome.Reset;
            cursors.Add(new SubscriptionCursor(_hub, _log, states[i], output, _metrics, _options, plan.Cursor)
            {
                StreamLastAtStart = infos[i].Last,
                Epoch = storeEpoch,
                StartsLive = plan.Outcome == ResumeOutcome.Live,
            });
        }

        output.Follow(cursors);
        if (reset)
        {
            // A reset stream continues from its first retained ID - 1, which the reset frame does not say; with two streams
            // reset at once, the first event after them would move two pairs the client cannot tell apart. An id-only frame
            // hands the client the whole cursor first.
            output.WriteIdOnly(cursors[0]);
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string names = string.Join(',', streams);
            Log.Subscribed(_logger, streams.Length, names);
        }

        await output.FlushAsync(_hub.TimeProvider, aborted);

        // The connection ends when any of its cursors ends (client gone, shutdown): the others are cancelled with it.
        using CancellationTokenSource connection = CancellationTokenSource.CreateLinkedTokenSource(aborted);
        Task[] running = new Task[cursors.Count];
        for (int i = 0; i < cursors.Count; i++)
        {
            running[i] = RunCursorAsync(cursors[i], connection);
        }

        try
        {
            // A cursor's failure (the store) faults the whole and is rethrown; cursors cancelled by another's end are not failures.
            await Task.WhenAll(running);
        }
        catch (OperationCanceledException) when (connection.IsCancellationRequested)
        {
        }

        if (_logger.IsEnabled(LogLevel.Debug))
        {
            string cursor = string.Join(',', cursors.Select(c => $"{c.Stream}:{c.Position}"));
            Log.Unsubscribed(_logger, streams.Length, cursor);
        }
    }

    private static async Task RunCursorAsync(SubscriptionCursor cursor, CancellationTokenSource connection)
    {
        try
        {
            await cursor.RunAsync(connection.Token).ConfigureAwait(false);
        }
        finally
        {
            await connection.CancelAsync().ConfigureAwait(false);
        }
    }

    private bool TryReadStreams(HttpRequest request, out string[] streams, out Problem? problem)
    {
        StringValues values = request.Query["stream"];
        streams = [];
        problem = null;
        int max = _options.MaxStreamsPerSubscription;
        if (values.Count == 0)
        {
            problem = Problem.BadRequest("invalid-streams", "Invalid stream list", "Name the streams to follow with one or more stream parameters: /subscribe?stream=a&stream=b.");
            return false;
        }

        if (values.Count > max)
        {
            problem = Problem.BadRequest("invalid-streams", "Invalid stream list", $"One connection may follow at most {max} streams; got {values.Count}.");
            return false;
        }

        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string? value in values)
        {
            if (value is null || !StreamNames.IsValid(value))
            {
                problem = Problem.InvalidStreamName(value ?? string.Empty);
                return false;
            }

            if (!seen.Add(value))
            {
                problem = Problem.BadRequest("invalid-streams", "Invalid stream list", "A stream parameter names a stream twice; name each stream once.");
                return false;
            }
        }

        streams = values!;
        return true;
    }

    private bool TryReadCursor(HttpRequest request, out Dictionary<string, long>? positions, out Problem? problem)
    {
        positions = null;
        problem = null;
        (StringValues values, string source) = SubscribeRequest.ReadPosition(request);
        if (values.Count == 0)
        {
            return true;
        }

        string? error = "appears more than once";
        if (values.Count == 1 && CompositeCursor.TryParse(values[0] ?? string.Empty, _options.MaxStreamsPerSubscription, out Dictionary<string, long> parsed, out error))
        {
            positions = parsed;
            return true;
        }

        problem = Problem.BadRequest(
            "invalid-position",
            "Invalid position",
            $"{source} {error}: a cursor is <stream>:<id> pairs joined by ',' (orders:42,prices:17), at most {_options.MaxStreamsPerSubscription}, each stream once.");
        return false;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2104, Level = LogLevel.Debug, Message = "Subscriber on {Count} streams started: {Streams}")]
        public static partial void Subscribed(ILogger logger, int count, string streams);

        [LoggerMessage(EventId = 2105, Level = LogLevel.Debug, Message = "Subscriber on {Count} streams ended at {Cursor}")]
        public static partial void Unsubscribed(ILogger logger, int count, string cursor);
    }
}
