using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// The node's one change feed (docs/design.md): it tells the observers of each watched stream what any node appended, in
/// ID order, once each. The append script announces each append on the stream's sharded pub/sub channel
/// (<c>SPUBLISH &lt;prefix&gt;:{&lt;stream&gt;}:appended &lt;last&gt;</c>); the feed subscribes to the channels of the streams
/// watched here and reads what it missed with <c>XRANGE</c> on the shared connection.
/// </summary>
/// <remarks>
/// Why notifications plus reads, not blocking readers: a blocking <c>XREAD</c> holds its connection, so one reader per
/// stream costs one Redis client per watched stream and node (10,000 users online: 10,000 connections per node), and a
/// multi-key <c>XREAD</c> cannot span Redis Cluster slots and re-sends every watched key on each call. Sharded pub/sub
/// travels on the multiplexer's one subscription connection per Redis server, reaches only the nodes that subscribed,
/// and on Cluster only the shard that owns the stream. Pub/sub may drop a message when a connection breaks, so the
/// message only says "read up to here"; the feed reads the log itself, and after a reconnect it reads every watched
/// stream's counter again, so nothing is missed. A node's own appends are raised at once, without a read.
/// </remarks>
internal sealed partial class RedisChangeFeed
{
    private const int PageSize = 1000;
    private static readonly TimeSpan s_retryDelay = TimeSpan.FromMilliseconds(250);

    private readonly Dictionary<string, StreamFeed> _streams = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    // The observers of every watched stream (the same bookkeeping as the single-node stores); a stream has a feed here
    // exactly while it has observers there. Changed under _lock.
    private readonly AppendWatchers _watchers;
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly string _keyPrefix;
    private readonly Action<string, long, long> _counterBelowDelivered;
    private readonly Action<string, long> _delivered;
    private readonly Action<string>? _confirm;
    private readonly CancellationToken _stopping;

    // confirm, with replicas to wait for: asks for a stream's counter to be confirmed and committed when it is ahead of the
    // committed mark. The feed then delivers only up to the mark (or the IDs announced, which are committed), never to the
    // log's end. Null without replicas to wait for.
    public RedisChangeFeed(IConnectionMultiplexer redis, IDatabase db, string keyPrefix, TimeProvider clock, ILogger logger, Action<string, long> delivered, Action<string, long, long> counterBelowDelivered, Action<string>? confirm, CancellationToken stopping)
    {
        _delivered = delivered;
        _confirm = confirm;
        _redis = redis;
        _db = db;
        _keyPrefix = keyPrefix;
        _clock = clock;
        _logger = logger;
        _counterBelowDelivered = counterBelowDelivered;
        _stopping = stopping;
        _watchers = new AppendWatchers((stream, ex) => Log.ObserverFailed(logger, ex, stream));
        _redis.ConnectionRestored += OnConnectionRestored;
    }

    /// <summary>Streams watched on this node now (each one subscribed channel, no connection of its own).</summary>
    public int WatchedStreams
    {
        get
        {
            lock (_lock)
            {
                return _streams.Count;
            }
        }
    }

    /// <summary>The channel the append script announces <paramref name="stream"/>'s appends on; it shares the stream's hash tag.</summary>
    public static string ChannelName(string keyPrefix, string stream) => $"{keyPrefix}:{{{stream}}}:appended";

    public IDisposable Watch(string stream, IAppendObserver observer)
    {
        StreamFeed feed;
        IDisposable watch;
        bool created = false;
        lock (_lock)
        {
            watch = _watchers.Watch(stream, observer);
            if (!_streams.TryGetValue(stream, out feed!))
            {
                feed = new StreamFeed(this, stream);
                _streams.Add(stream, feed);
                created = true;
            }
        }

        if (created)
        {
            _ = feed.StartAsync();
        }

        return new WatchHandle(this, feed, watch);
    }

    /// <summary>
    /// Called before this node sends an append to <paramref name="stream"/>: when the stream is watched here, the append
    /// is reported from <see cref="EndOwn"/>, without a read. Returns what <see cref="EndOwn"/> needs; never reads or subscribes.
    /// </summary>
    public OwnAppend BeginOwn(string stream)
    {
        StreamFeed? feed;
        lock (_lock)
        {
            _streams.TryGetValue(stream, out feed);
        }

        return feed is null ? default : new OwnAppend(feed, feed.BeginOwn());
    }

    /// <summary>Reports this node's own append (null: it failed or was a replay) to the stream's observers.</summary>
    public static void EndOwn(OwnAppend append, StoredEvent[]? events) => append.Feed?.EndOwn(append.Ticket, events);

    /// <summary>An own append in flight on a watched stream.</summary>
    internal readonly record struct OwnAppend(StreamFeed? Feed, long Ticket);

    /// <summary>Reads every watched stream's counter again: after a reconnect, and when the failover guard asks.</summary>
    public void RefreshAll()
    {
        StreamFeed[] feeds;
        lock (_lock)
        {
            feeds = [.. _streams.Values];
        }

        foreach (StreamFeed feed in feeds)
        {
            _ = feed.RefreshAsync();
        }
    }

    public void Stop()
    {
        _redis.ConnectionRestored -= OnConnectionRestored;
        lock (_lock)
        {
            foreach (StreamFeed feed in _streams.Values)
            {
                feed.Stopped = true;
            }

            _streams.Clear();
        }
    }

    private void OnConnectionRestored(object? sender, ConnectionFailedEventArgs e)
    {
        // Messages published while the connection was down are gone: read each watched stream's counter again. The
        // multiplexer re-subscribes by itself; a second pass a moment later covers appends made before it had.
        RefreshAll();
        _ = Task.Delay(TimeSpan.FromSeconds(1), _stopping).ContinueWith(
            static (t, s) => { if (!t.IsCanceled) { ((RedisChangeFeed)s!).RefreshAll(); } }, this, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
    }

    private void Unwatch(StreamFeed feed, IDisposable watch)
    {
        lock (_lock)
        {
            watch.Dispose();
            if (_watchers.IsWatched(feed.Stream) || !_streams.TryGetValue(feed.Stream, out StreamFeed? current) || current != feed)
            {
                return;
            }

            // The last local observer left: drop the stream's state at once, so memory and subscriptions follow what is
            // watched now, whatever names were watched before.
            _streams.Remove(feed.Stream);
            feed.Stopped = true;
        }

        _ = feed.StopAsync();
    }

    private sealed class WatchHandle(RedisChangeFeed owner, StreamFeed feed, IDisposable watch) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                owner.Unwatch(feed, watch);
            }
        }
    }

    /// <summary>One watched stream: where this node's delivery stands, and the read that catches it up.</summary>
    internal sealed class StreamFeed
    {
        private readonly RedisChangeFeed _owner;
        private readonly RedisKey _logKey;
        private readonly RedisKey _lastKey;
        private readonly RedisKey _committedKey;
        private readonly RedisChannel _channel;
        private readonly Action<RedisChannel, RedisValue> _onMessage;
        private readonly Lock _lock = new();

        // This node's appends that came back from the script before an earlier ID was raised, by first ID.
        private readonly SortedDictionary<long, StoredEvent[]> _own = [];
        // Own appends in flight, by ticket, so that the first refresh can wait for those that were sent before its read.
        private readonly HashSet<long> _ownInFlight = [];
        private HashSet<long>? _resolveAfter;
        private long _resolveLast;
        private long _nextTicket;
        private long _delivered = -1; // the last ID raised; -1 until the subscription is up and the start is known
        private long _target;         // the highest ID known to exist
        private bool _reading;
        private bool _failing;
        private Task _subscribed = Task.CompletedTask;

        public StreamFeed(RedisChangeFeed owner, string stream)
        {
            _owner = owner;
            Stream = stream;
            _logKey = $"{owner._keyPrefix}:{{{stream}}}:log";
            _lastKey = $"{owner._keyPrefix}:{{{stream}}}:last";
            _committedKey = $"{owner._keyPrefix}:{{{stream}}}:committed";
            _channel = RedisChannel.Sharded(ChannelName(owner._keyPrefix, stream));

            // A delegate of its own, so that unsubscribing an old feed of the same name never removes a newer one's.
            _onMessage = (_, message) => OnMessage(message);
        }

        public string Stream { get; }

        public volatile bool Stopped;

        public async Task StartAsync()
        {
            // Set before the first await: a watch handle exists only after this returns its task, so StopAsync always
            // finds the subscribe it must wait for, and unsubscribes exactly once, after it.
            _subscribed = SubscribeAsync();
            await _subscribed.ConfigureAwait(false);
            if (!Stopped)
            {
                await RefreshAsync().ConfigureAwait(false);
            }
        }

        public async Task StopAsync()
        {
            try
            {
                await _subscribed.ConfigureAwait(false);
                await _owner._redis.GetSubscriber().UnsubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex) || ex is ObjectDisposedException)
            {
                // The connection is gone, and the subscription with it.
            }
        }

        private async Task SubscribeAsync()
        {
            while (!Stopped && !_owner._stopping.IsCancellationRequested)
            {
                try
                {
                    await _owner._redis.GetSubscriber().SubscribeAsync(_channel, _onMessage).ConfigureAwait(false);
                    return;
                }
                catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
                {
                    Log.SubscribeFailed(_owner._logger, ex, Stream);
                    if (!await DelayAsync().ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }

        /// <summary>
        /// Reads the stream's counter and catches up to it. The first time, delivery starts one before the counter, so
        /// that an observer that read the log just before the subscription was up is woken by the newest event.
        /// </summary>
        public async Task RefreshAsync()
        {
            while (!Stopped && !_owner._stopping.IsCancellationRequested)
            {
                try
                {
                    // With replicas to wait for, delivery follows the committed mark, not the counter: the appends past the
                    // mark are not on a replica yet (or their commit was lost), and are confirmed before anyone sees them.
                    // From the primary only: a lagging replica's counter would look like lost writes (below what was delivered).
                    RedisValue[] values = _owner._confirm is null
                        ? [await _owner._db.StringGetAsync(_lastKey, CommandFlags.DemandMaster).ConfigureAwait(false)]
                        : await _owner._db.StringGetAsync([_lastKey, _committedKey], CommandFlags.DemandMaster).ConfigureAwait(false);
                    long counter = values[0].IsNull ? 0 : (long)values[0];
                    long last = values.Length == 1 || values[1].IsNull ? counter : Math.Min(counter, (long)values[1]);
                    if (last < counter)
                    {
                        _owner._confirm!(Stream);
                    }

                    long delivered;
                    lock (_lock)
                    {
                        if (_delivered < 0)
                        {
                            if (_ownInFlight.Count > 0)
                            {
                                // Own appends sent before this read may hold IDs up to the counter and are not parked yet:
                                // resolve once they are (EndOwn), so that the start reports them.
                                _resolveAfter = [.. _ownInFlight, .. _resolveAfter ?? []];
                                _resolveLast = Math.Max(_resolveLast, last);
                                return;
                            }

                            Resolve(last);
                        }

                        delivered = _delivered;
                    }

                    if (counter < delivered)
                    {
                        // Every delivered ID was committed before this read: Redis lost acknowledged writes.
                        _owner._counterBelowDelivered(Stream, counter, delivered);
                    }

                    ReadUpTo(last);
                    return;
                }
                catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
                {
                    Log.ReadFailed(_owner._logger, ex, Stream);
                    if (!await DelayAsync().ConfigureAwait(false))
                    {
                        return;
                    }
                }
            }
        }

        public long BeginOwn()
        {
            lock (_lock)
            {
                long ticket = ++_nextTicket;
                _ownInFlight.Add(ticket);
                return ticket;
            }
        }

        public void EndOwn(long ticket, StoredEvent[]? events)
        {
            long resolvedAt = -1;
            lock (_lock)
            {
                _ownInFlight.Remove(ticket);
                if (events is not null && (_delivered < 0 || events[^1].Id > _delivered))
                {
                    // Before the start is known, parked: the first refresh starts early enough to report it.
                    _own[events[0].Id] = events;
                    _target = Math.Max(_target, events[^1].Id);
                    if (_delivered >= 0)
                    {
                        RaiseOwnInOrder();
                    }
                }

                if (_resolveAfter is not null && _resolveAfter.Remove(ticket) && _resolveAfter.Count == 0)
                {
                    _resolveAfter = null;
                    Resolve(_resolveLast);
                    resolvedAt = _resolveLast;
                }
            }

            if (resolvedAt >= 0)
            {
                ReadUpTo(resolvedAt);
            }
        }

        /// <summary>
        /// Where delivery starts: one before the counter, so an observer that read the log just before the subscription
        /// was up is woken by the newest event, or earlier when this node's own appends since the watch began are
        /// parked, so that they are reported too. Under _lock.
        /// </summary>
        private void Resolve(long last)
        {
            long start = last - 1;
            if (_own.Count > 0)
            {
                start = Math.Min(start, _own.First().Key - 1);
            }

            _delivered = Math.Max(0, start);
            RaiseOwnInOrder();
        }

        private void OnMessage(RedisValue message)
        {
            if (long.TryParse((string?)message, NumberStyles.None, CultureInfo.InvariantCulture, out long last))
            {
                ReadUpTo(last);
            }
        }

        private void ReadUpTo(long last)
        {
            lock (_lock)
            {
                _target = Math.Max(_target, last);
                if (_reading || _delivered < 0 || _target <= _delivered || Stopped)
                {
                    return;
                }

                _reading = true;
            }

            _ = ReadLoopAsync();
        }

        /// <summary>One read at a time per stream: notifications that arrive meanwhile only raise the target.</summary>
        private async Task ReadLoopAsync()
        {
            while (true)
            {
                long from;
                long to;
                lock (_lock)
                {
                    if (Stopped || _owner._stopping.IsCancellationRequested || _target <= _delivered)
                    {
                        _reading = false;
                        return;
                    }

                    from = _delivered;
                    to = _target;
                }

                StreamEntry[] entries;
                try
                {
                    // Up to the target only when waiting for replicas: past it lie appends no replica confirmed yet. Without
                    // replicas to wait for, everything in the log is committed, and one read takes all there is.
                    RedisValue end = _owner._confirm is null ? "+" : to.ToString(CultureInfo.InvariantCulture) + "-0";
                    entries = await _owner._db.StreamRangeAsync(_logKey, "(" + from.ToString(CultureInfo.InvariantCulture) + "-0", end, PageSize, flags: CommandFlags.DemandMaster).ConfigureAwait(false);
                    if (_failing)
                    {
                        _failing = false;
                        Log.ReadRecovered(_owner._logger, Stream, from);
                    }
                }
                catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
                {
                    if (!_failing)
                    {
                        _failing = true;
                        Log.ReadFailed(_owner._logger, ex, Stream);
                    }

                    if (!await DelayAsync().ConfigureAwait(false))
                    {
                        lock (_lock)
                        {
                            _reading = false;
                        }

                        return;
                    }

                    continue;
                }

                lock (_lock)
                {
                    if (entries.Length == 0)
                    {
                        // The announced IDs are not in the log (Redis lost them): nothing to wait for until the next append.
                        _target = _delivered;
                        continue;
                    }

                    var events = new List<StoredEvent>(entries.Length);
                    foreach (StreamEntry entry in entries)
                    {
                        long id = RedisEventLog.ParseId(entry.Id);
                        if (id > _delivered)
                        {
                            events.Add(RedisEventLog.ToStoredEvent(id, entry.Values));
                        }
                    }

                    if (events.Count > 0)
                    {
                        Raise([.. events]);
                    }

                    RaiseOwnInOrder();
                }
            }
        }

        /// <summary>Raises the parked own appends that now follow on from what was raised; drops those already raised. Under _lock.</summary>
        private void RaiseOwnInOrder()
        {
            while (_own.Count > 0)
            {
                (long first, StoredEvent[] chunk) = _own.First();
                if (chunk[^1].Id <= _delivered)
                {
                    _own.Remove(first);
                    continue;
                }

                if (first != _delivered + 1)
                {
                    return; // an ID before it (another node's) is not raised yet: a read brings it
                }

                _own.Remove(first);
                Raise(chunk);
            }
        }

        /// <summary>Under _lock, so that observers see the stream in ID order, once each.</summary>
        private void Raise(StoredEvent[] events)
        {
            // A stopped feed's observers are gone; a newer feed of the same name reports to the ones watching now.
            if (!Stopped)
            {
                _owner._watchers.Report(Stream, events, _owner._clock.GetTimestamp());
            }

            _delivered = events[^1].Id;

            // What this node delivered, it guards against a failover that loses it (RedisFailoverGuard).
            _owner._delivered(Stream, _delivered);
        }

        private async Task<bool> DelayAsync()
        {
            try
            {
                await Task.Delay(s_retryDelay, _owner._stopping).ConfigureAwait(false);
                return !Stopped;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 420, Level = LogLevel.Warning, Message = "Subscribing to the change feed of stream {Stream} failed; retrying")]
        public static partial void SubscribeFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(EventId = 421, Level = LogLevel.Warning, Message = "Reading stream {Stream} for its subscribers failed; retrying from the last delivered ID")]
        public static partial void ReadFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(EventId = 422, Level = LogLevel.Information, Message = "Reading stream {Stream} for its subscribers works again, from ID {From}")]
        public static partial void ReadRecovered(ILogger logger, string stream, long from);

        [LoggerMessage(EventId = 423, Level = LogLevel.Error, Message = "An append observer threw for stream {Stream}; observers must not throw")]
        public static partial void ObserverFailed(ILogger logger, Exception exception, string stream);
    }
}
