using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald.Delivery;

/// <summary>
/// The node's subscribed streams: it fills their hot tails from the store's commit notifications and wakes their cursors,
/// and runs the one heartbeat clock for every connection. There is no per-subscriber queue (docs/design.md).
/// </summary>
internal sealed partial class SubscriptionHub : IDisposable
{
    private readonly Dictionary<string, StreamState> _streams = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private readonly IEventLog _log;
    private readonly HeraldOptions _options;
    private readonly ILogger<SubscriptionHub> _logger;
    private readonly ITimer _heartbeatClock;
    private volatile bool _stopping;

    public SubscriptionHub(IEventLog log, IOptions<HeraldOptions> options, TimeProvider timeProvider, ILogger<SubscriptionHub> logger)
    {
        _log = log;
        _options = options.Value;
        _logger = logger;
        TimeProvider = timeProvider;

        // A tick every quarter of the interval keeps every idle connection's silence under one interval.
        TimeSpan tick = _options.Heartbeat / 4;
        _heartbeatClock = timeProvider.CreateTimer(static s => ((SubscriptionHub)s!).WakeAll(), this, tick, tick);
    }

    public TimeProvider TimeProvider { get; }

    /// <summary>Set once the host is stopping: cursors end their responses and tell clients when to come back.</summary>
    public bool IsStopping => _stopping;

    public StreamState Acquire(string stream)
    {
        lock (_lock)
        {
            if (!_streams.TryGetValue(stream, out StreamState? state))
            {
                state = new StreamState(stream, _options.HotTailCapacity, _options.DeliveryWindow, _log.Epoch, _options.HotTailMaxBytes);
                _streams.Add(stream, state);

                // The store reports this stream's appends (every node's, in a distributed store) to its hot tail from now on.
                state.Watch = _log.Watch(stream, state);
            }

            state.Subscribers++;
            (_log as ISharedSubscriberCounts)?.LocalSubscribersChanged(stream, state.Subscribers);
            return state;
        }
    }

    public void Release(StreamState state)
    {
        lock (_lock)
        {
            --state.Subscribers;
            (_log as ISharedSubscriberCounts)?.LocalSubscribersChanged(state.Name, state.Subscribers);
            if (state.Subscribers == 0)
            {
                _streams.Remove(state.Name);
                state.Watch?.Dispose();
                state.Dispose();
            }
        }
    }

    /// <summary>
    /// Open subscriptions to each of <paramref name="streams"/>: on every node when the store shares counts between
    /// nodes (<see cref="ISharedSubscriberCounts"/>), else on this node.
    /// </summary>
    public async Task<IReadOnlyList<long>> CountSubscribersAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken)
    {
        if (_log is ISharedSubscriberCounts shared)
        {
            return await shared.CountSubscribersAsync(streams, cancellationToken).ConfigureAwait(false);
        }

        return [.. streams.Select(s => (long)SubscriberCount(s))];
    }

    public int SubscriberCount(string stream)
    {
        lock (_lock)
        {
            return _streams.TryGetValue(stream, out StreamState? state) ? state.Subscribers : 0;
        }
    }

    /// <summary>Called on <c>ApplicationStopping</c>: every cursor ends its response on a frame boundary (docs/protocol.md "Operations").</summary>
    public void Stop()
    {
        _stopping = true;
        int subscribers = SubscriberTotal();
        Log.Stopping(_logger, subscribers);
        WakeAll();
    }

    public void Dispose() => _heartbeatClock.Dispose();

    private void WakeAll()
    {
        StreamState[] states;
        lock (_lock)
        {
            states = [.. _streams.Values];
        }

        foreach (StreamState state in states)
        {
            state.Wake();
        }
    }

    private int SubscriberTotal()
    {
        lock (_lock)
        {
            return _streams.Values.Sum(s => s.Subscribers);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Stopping: ending {Subscribers} SSE subscriptions so that their clients reconnect")]
        public static partial void Stopping(ILogger logger, int subscribers);
    }
}
