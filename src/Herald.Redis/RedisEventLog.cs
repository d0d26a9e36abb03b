using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// The distributed store (docs/design.md): several Herald nodes share one Redis. Each stream is a Redis Stream whose
/// entry IDs are the event IDs (<c>&lt;n&gt;-0</c>), appended by one Lua script that checks the idempotency key, allocates
/// the IDs from the stream's counter, adds the events, trims and announces the append, atomically, so log order is ID
/// order whatever node published. The node's one change feed (<see cref="RedisChangeFeed"/>) reports every node's
/// appends to the streams watched here; the failover guard (<see cref="RedisFailoverGuard"/>) keeps writes that Redis
/// lost from having their IDs given to other data silently. A node holds a fixed number of Redis connections (one per
/// Redis server, plus pub/sub, plus one per primary for <see cref="RedisEventLogOptions.WaitReplicas"/>) however many
/// streams it serves.
/// </summary>
public sealed partial class RedisEventLog : IEventLog, ISharedSubscriberCounts, ISequenceRegressionCounter
{
    // Streams this node has listed in the index; bounded, since a ZADD of a listed stream is harmless, only wasted.
    private const int MaxIndexedNames = 50_000;

    // Reconnect attempts 0.5-2 s apart (see Configure).
    private const int ReconnectBackOffMs = 500;
    private const int MaxReconnectBackOffMs = 2_000;

    // How long a read for the primary waits for the connection to find one before it answers unavailable.
    private static readonly TimeSpan s_rediscoveryWait = TimeSpan.FromSeconds(1);

    private readonly RedisEventLogOptions _options;
    private readonly ILogger _logger;
    private readonly IConnectionMultiplexer _redis;
    private readonly bool _ownsConnection;
    private readonly IDatabase _db;
    private readonly RedisReplicatedAppender? _replicated;
    private readonly RedisChangeFeed _feed;
    private readonly RedisFailoverGuard _guard;
    private readonly PrimaryRediscovery _rediscovery;
    private readonly RedisSubscriberCounts _subscribers;
    private readonly Task _subscribersLoop;
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisKey _indexKey;
    private readonly ConcurrentDictionary<string, byte> _indexed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _confirming = new(StringComparer.Ordinal);
    private readonly Task _guardLoop;
    private byte[] _scriptSha;
    private Task? _disposeTask;
    private volatile bool _disposed;

    private RedisEventLog(RedisEventLogOptions options, ILogger logger, IConnectionMultiplexer redis, bool ownsConnection, RedisReplicatedAppender? replicated, string epoch, byte[] scriptSha)
    {
        _options = options;
        _logger = logger;
        _redis = redis;
        _ownsConnection = ownsConnection;
        _db = redis.GetDatabase(options.Configuration.DefaultDatabase ?? -1);
        _replicated = replicated;
        _indexKey = options.KeyPrefix + ":streams";
        _scriptSha = scriptSha;
        TimeProvider clock = options.Log.TimeProvider;
        _rediscovery = new PrimaryRediscovery(redis, clock);
        _guard = new RedisFailoverGuard(redis, _db, options.KeyPrefix + ":epoch", LastKey, epoch, _rediscovery, clock, logger);
        _feed = new RedisChangeFeed(redis, _db, options.KeyPrefix, clock, logger, _guard.See, OnCounterBelowDelivered, replicated is null ? null : RequestConfirm, _stopping.Token);
        _guardLoop = Task.Run(() => _guard.RunAsync(options.ReplicationCheckInterval, _feed.RefreshAll, _stopping.Token));
        _subscribers = new RedisSubscriberCounts(_db, options.KeyPrefix, clock, logger);
        _subscribersLoop = Task.Run(() => _subscribers.RunAsync(_stopping.Token));
    }

    /// <inheritdoc />
    /// <remarks>
    /// Kept in Redis (<c>&lt;prefix&gt;:epoch</c>). It changes when Redis loses it (a flush, a restart without persistence)
    /// and when a node finds that Redis lost acknowledged writes (<see cref="RedisFailoverGuard"/>); every node adopts the
    /// new one within <see cref="RedisEventLogOptions.ReplicationCheckInterval"/>.
    /// </remarks>
    public string Epoch => _guard.Epoch;

    /// <summary>
    /// Streams found with fewer IDs than this node had seen on them (Redis lost writes: a restart without AOF, a failover
    /// to a replica that lagged, a flush), whose counters were pushed past what was seen. Exposed as
    /// <c>herald_sequence_regressions_total</c>.
    /// </summary>
    public long SequenceRegressions => _guard.Regressions;

    /// <summary>Streams watched on this node now: each is one sharded pub/sub channel, not a connection.</summary>
    internal int WatchedStreams => _feed.WatchedStreams;

    /// <summary>Streams whose newest writes this node still guards against a failover (see <see cref="RedisFailoverGuard"/>).</summary>
    internal int GuardedStreams => _guard.Marks;

    /// <summary>Checks replication and the epoch now, instead of at the next interval (tests).</summary>
    internal Task CheckReplicationAsync() => _guard.CheckAsync(_feed.RefreshAll);

    /// <summary>Connects, creates the store's epoch when Redis has none (<c>SET NX</c>), loads the append script and checks Redis's persistence settings.</summary>
    /// <exception cref="EventLogUnavailableException">Redis cannot be reached.</exception>
    public static async Task<RedisEventLog> OpenAsync(RedisEventLogOptions options, ILogger<RedisEventLog>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger log = logger ?? (ILogger)NullLogger<RedisEventLog>.Instance;
        IConnectionMultiplexer redis;
        bool owns = options.Connection is null;
        try
        {
            redis = options.Connection is { } connect
                ? await connect().ConfigureAwait(false)
                : await ConnectionMultiplexer.ConnectAsync(Configure(options, options.OperationTimeout, failFast: true)).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw new EventLogUnavailableException($"Connecting to Redis ({Describe(options)}) failed: {ex.Message}", ex);
        }

        RedisReplicatedAppender? replicated = null;

        // Why the connection failed, when it did: a command sent while the first connection attempt is still settling
        // fails with "no connection is active" before the multiplexer has recorded the reason (a TLS certificate the
        // system does not trust, a refused password), and the operator needs that reason.
        var connectionFailed = new TaskCompletionSource<Exception?>(TaskCreationOptions.RunContinuationsAsynchronously);
        EventHandler<ConnectionFailedEventArgs> onConnectionFailed = (_, e) => connectionFailed.TrySetResult(e.Exception);
        redis.ConnectionFailed += onConnectionFailed;
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            IDatabase db = redis.GetDatabase(options.Configuration.DefaultDatabase ?? -1);
            RedisKey epochKey = options.KeyPrefix + ":epoch";
            await db.StringSetAsync(epochKey, Guid.NewGuid().ToString("D"), when: When.NotExists).ConfigureAwait(false);
            string epoch = (string?)await db.StringGetAsync(epochKey, CommandFlags.DemandMaster).ConfigureAwait(false)
                ?? throw new EventLogUnavailableException("Redis did not keep the store's epoch key (is it evicting keys?).");
            byte[] sha = await LoadScriptAsync(redis).ConfigureAwait(false);
            if (options.WaitReplicas > 0)
            {
                replicated = await RedisReplicatedAppender.OpenAsync(options, log).ConfigureAwait(false);
            }

            var store = new RedisEventLog(options, log, redis, owns, replicated, epoch, sha);
            await store.CheckPersistenceAsync().ConfigureAwait(false);
            string endpoints = Describe(options);
            Log.Opened(log, endpoints, options.KeyPrefix, epoch, options.WaitReplicas);
            return store;
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            string reason = await ConnectionFailureAsync(redis, ex, connectionFailed.Task, options.ConnectTimeout).ConfigureAwait(false);
            await CloseAsync(redis, owns, replicated).ConfigureAwait(false);
            throw new EventLogUnavailableException($"Opening the Redis store ({Describe(options)}) failed: {ex.Message}{reason}", ex);
        }
        catch
        {
            await CloseAsync(redis, owns, replicated).ConfigureAwait(false);
            throw;
        }
        finally
        {
            redis.ConnectionFailed -= onConnectionFailed;
        }
    }

    /// <summary>
    /// The reason the connection failed, as " (reason)", when <paramref name="failure"/>'s message does not carry it: the
    /// innermost exception it wraps, or else, when the multiplexer is not connected, the failure it reports within
    /// <paramref name="wait"/>.
    /// </summary>
    private static async Task<string> ConnectionFailureAsync(IConnectionMultiplexer redis, Exception failure, Task<Exception?> reported, TimeSpan wait)
    {
        Exception? cause = Innermost(failure);
        if (ReferenceEquals(cause, failure))
        {
            if (redis.IsConnected)
            {
                return "";
            }

            try
            {
                cause = Innermost(await reported.WaitAsync(wait).ConfigureAwait(false));
            }
            catch (TimeoutException)
            {
                return "";
            }
        }

        return cause is null || failure.Message.Contains(cause.Message, StringComparison.Ordinal) ? "" : $" ({cause.Message})";

        static Exception? Innermost(Exception? e)
        {
            while (e?.InnerException is not null)
            {
                e = e.InnerException;
            }

            return e;
        }
    }

    /// <inheritdoc />
    public Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
    {
        AppendArguments.Validate(stream, events);
        ThrowIfNoHashTag(stream);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<AppendResult>(cancellationToken);
        }

        if (_disposed)
        {
            throw new EventLogUnavailableException("The Redis store is shut down.");
        }

        // Tracked so that DisposeAsync finishes every append it did not refuse (docs/protocol.md "Operations": drain in-flight appends).
        Task<AppendResult> task = AppendCoreAsync(stream, events, idempotencyKey);
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfNoHashTag(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfDisposed();
        if (_replicated is not null)
        {
            // Only what a replica holds (the committed mark), which a plain XRANGE cannot tell.
            return await ReadAsync(stream, after, max, long.MaxValue, cancellationToken).ConfigureAwait(false);
        }

        StreamEntry[] entries;
        try
        {
            // "(" makes the start exclusive (Redis 6.2+): the events after the cursor, not the one it is on.
            entries = await _db.StreamRangeAsync(LogKey(stream), "(" + after.ToString(CultureInfo.InvariantCulture) + "-0", "+", Math.Min(max, 10_000))
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable($"Reading stream '{stream}' from Redis failed", ex);
        }

        if (entries.Length == 0)
        {
            return [];
        }

        var events = new StoredEvent[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            events[i] = ToStoredEvent(ParseId(entries[i].Id), entries[i].Values);
        }

        return events;
    }

    /// <inheritdoc />
    /// <remarks>Cut by a script on the Redis server, so the node never receives more than about <paramref name="maxBytes"/>.</remarks>
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfNoHashTag(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        ThrowIfDisposed();
        RedisResult result;
        try
        {
            RedisKey[] keys = _replicated is null ? [LogKey(stream)] : [LogKey(stream), CommittedKey(stream)];
            result = await _db.ScriptEvaluateAsync(ReadPageScript, keys, [after, Math.Min(max, 10_000), maxBytes])
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable($"Reading stream '{stream}' from Redis failed", ex);
        }

        // RESP2: [[id, [field, value, …]], …], as XRANGE answers.
        RedisResult[] entries = (RedisResult[])result!;
        var events = new StoredEvent[entries.Length];
        for (int i = 0; i < entries.Length; i++)
        {
            RedisResult[] entry = (RedisResult[])entries[i]!;
            RedisResult[] fields = (RedisResult[])entry[1]!;
            var values = new NameValueEntry[fields.Length / 2];
            for (int f = 0; f < values.Length; f++)
            {
                values[f] = new NameValueEntry((RedisValue)fields[2 * f], (RedisValue)fields[(2 * f) + 1]);
            }

            events[i] = ToStoredEvent(ParseId((RedisValue)entry[0]), values);
        }

        return events;
    }

    /// <inheritdoc />
    /// <remarks>
    /// When the node waits for replicas, <c>Last</c> is the stream's committed mark: appends a replica does not hold yet are
    /// not shown. When the counter is ahead of the mark (a commit in flight, or one a failover or a crash took), the node
    /// first confirms the counter (<see cref="ConfirmAsync"/>); if the replicas do not answer, <c>Last</c> is the mark and
    /// <see cref="StreamInfo.Allocated"/> the counter, so that a client holding an ID the mark lost is not told it is ahead
    /// of the stream. Read from the primary only: with none connected, the store is unavailable.
    /// </remarks>
    public Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken) => GetInfoAsync(stream, confirm: true, cancellationToken);

    /// <inheritdoc />
    /// <remarks>
    /// Streams are listed from one sorted set, <c>&lt;prefix&gt;:streams</c>, whose members all have score 0, so Redis
    /// keeps them in byte (ordinal) order and <c>ZRANGE BYLEX</c> pages through them. The set cannot be written by the
    /// append script: on Redis Cluster a script may only touch keys of one slot, and every key of a stream carries the
    /// stream's hash tag. So a node adds a stream with its own <c>ZADD</c>, sent with the first append to the stream that
    /// the node makes, not on every append (one extra command per stream and node, not per event). A crash between the
    /// two can at worst list a stream whose append failed (<c>Last</c> 0); the other way round is not possible because
    /// the append is not acknowledged before the <c>ZADD</c> completes. The alternative, <c>SCAN</c> for
    /// <c>*:last</c> keys, costs a walk of the whole keyspace on every Cluster primary for each page, and gives no order.
    /// </remarks>
    public async Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfDisposed();
        try
        {
            RedisValue[] names = await _db.SortedSetRangeByValueAsync(
                    _indexKey, after is null ? default : (RedisValue)after, default, after is null ? Exclude.None : Exclude.Start, Order.Ascending, skip: 0, take: max)
                .WaitAsync(cancellationToken).ConfigureAwait(false);

            // Pipelined: one round trip's latency for the page, not one per stream.
            // A listing shows each stream's committed mark as it is; it does not confirm anything.
            Task<StreamInfo>[] infos = [.. names.Select(name => GetInfoAsync(name!, confirm: false, cancellationToken))];
            await Task.WhenAll(infos).ConfigureAwait(false);
            var page = new StreamSummary[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                StreamInfo info = infos[i].Result;
                page[i] = new StreamSummary(names[i]!, info.First, info.Last);
            }

            return page;
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable("Listing streams in Redis failed", ex);
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Subscribes to the stream's change-feed channel on the node's shared pub/sub connection (no connection of its own);
    /// the subscription is dropped as soon as the last observer leaves.
    /// </remarks>
    public IDisposable Watch(string stream, IAppendObserver observer)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(observer);
        ThrowIfNoHashTag(stream);
        return _feed.Watch(stream, observer);
    }

    /// <inheritdoc />
    public void LocalSubscribersChanged(string stream, int count)
    {
        ArgumentNullException.ThrowIfNull(stream);
        _subscribers.Changed(stream, count);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<long>> CountSubscribersAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ThrowIfDisposed();
        try
        {
            return await _subscribers.CountAsync(streams, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable("Counting subscribers in Redis failed", ex);
        }
    }

    /// <inheritdoc />
    public async Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        if (_disposed || !_redis.IsConnected)
        {
            return false;
        }

        try
        {
            await _db.PingAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            await _guard.AdoptEpochAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            return false;
        }
    }

    /// <summary>Stops taking appends, finishes the ones in flight, stops the change feed and closes the connections.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_inFlight)
        {
            _disposeTask ??= DisposeCoreAsync();
            return new ValueTask(_disposeTask);
        }
    }

    private async Task DisposeCoreAsync()
    {
        _disposed = true;
        Task[] inFlight = [.. _inFlight.Keys];
        try
        {
            // Each append is itself bounded by the operation timeout; this only waits for them to get there.
            await Task.WhenAll(inFlight).WaitAsync(_options.OperationTimeout * 3).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // Their callers see their own failures; shutdown goes on.
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        _feed.Stop();
        try
        {
            await Task.WhenAll(_guardLoop, _subscribersLoop).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
        }

        await _subscribers.RemoveAsync().ConfigureAwait(false);

        await CloseAsync(_redis, _ownsConnection, _replicated, _logger).ConfigureAwait(false);
        _guard.Dispose();
        _stopping.Dispose();
        string endpoints = Describe(_options);
        Log.Closed(_logger, endpoints);
    }

    private static async Task CloseAsync(IConnectionMultiplexer redis, bool owns, RedisReplicatedAppender? replicated, ILogger? logger = null)
    {
        try
        {
            if (replicated is not null)
            {
                await replicated.DisposeAsync().ConfigureAwait(false);
            }

            if (owns)
            {
                await redis.DisposeAsync().ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // StackExchange.Redis 3.4.35 can throw NullReferenceException from DisposeAsync during shutdown: log it, never end the process with it.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            if (logger is not null)
            {
                Log.CloseFailed(logger, ex);
            }
        }
    }

    private async Task<AppendResult> AppendCoreAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey)
    {
        RedisKey[] keys = idempotencyKey is null
            ? [LogKey(stream), LastKey(stream), CommittedKey(stream)]
            : [LogKey(stream), LastKey(stream), CommittedKey(stream), StreamKey(stream, "idem:" + idempotencyKey)];
        EventLogOptions log = _options.Log;
        long floor = _guard.FloorOf(stream);
        var args = new RedisValue[7 + (events.Count * 2)];
        args[0] = floor;
        args[1] = log.Retention;
        args[2] = log.TrimSlack;
        args[3] = log.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        args[4] = (long)log.IdempotencyWindow.TotalMilliseconds;
        args[5] = events.Count;

        // With replicas to wait for, the append is announced only once they hold it (below), so that no node's
        // subscribers see an event that a failover could still take back.
        string channel = RedisChangeFeed.ChannelName(_options.KeyPrefix, stream);
        args[6] = _replicated is null ? channel : "";
        for (int i = 0; i < events.Count; i++)
        {
            args[7 + (i * 2)] = events[i].EventType ?? "";
            args[8 + (i * 2)] = events[i].Data;
        }

        RedisResult result;
        RedisChangeFeed.OwnAppend own = _feed.BeginOwn(stream);
        StoredEvent[]? appended = null;
        try
        {
            result = await EvaluateIndexedAsync(stream, keys, args, events.Count).ConfigureAwait(false);
            (AppendResult outcome, appended) = await CompleteAsync(stream, channel, floor, events, result, report: own.Feed is not null).ConfigureAwait(false);
            return outcome;
        }
        finally
        {
            RedisChangeFeed.EndOwn(own, appended);
        }
    }

    private async Task<RedisResult> EvaluateIndexedAsync(string stream, RedisKey[] keys, RedisValue[] args, int count)
    {
        RedisResult result;
        Task? index = null;
        try
        {
            // See ListStreamsAsync: the index is written beside the script, once per stream and node.
            index = _indexed.ContainsKey(stream) ? null : _db.SortedSetAddAsync(_indexKey, stream, 0);
            result = await EvaluateAsync(stream, keys, args).ConfigureAwait(false);
            if (index is not null)
            {
                await index.ConfigureAwait(false);
                if (_indexed.Count >= MaxIndexedNames)
                {
                    _indexed.Clear();
                }

                _indexed.TryAdd(stream, 0);
            }
        }
        catch (EventLogUnavailableException ex)
        {
            Observe(index);
            Log.AppendFailed(_logger, ex, stream, count);
            throw;
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            Observe(index);
            Log.AppendFailed(_logger, ex, stream, count);

            if (RedisFailures.PrimaryMayHaveMoved(ex))
            {
                _ = _rediscovery.RequestAsync();
            }

            throw RedisFailures.WasNotSent(ex)
                ? Unavailable($"Appending to stream '{stream}' in Redis failed", ex)
                : new EventLogUnavailableException($"Appending to stream '{stream}' in Redis did not complete: {ex.Message}. It may have been appended; retry with the same Idempotency-Key.", ex) { OutcomeUnknown = true };
        }

        return result;
    }

    /// <summary>What the script answered: the IDs, the guard's marks, and what to report to this node's watchers.</summary>
    private async Task<(AppendResult Result, StoredEvent[]? Appended)> CompleteAsync(string stream, string channel, long floor, IReadOnlyList<EventData> events, RedisResult result, bool report)
    {
        RedisResult[] parts = (RedisResult[])result!;
        long first = (long)parts[0];
        long last = (long)parts[1];
        bool replayed = (long)parts[2] == 1;
        _guard.See(stream, last);
        if ((long)parts[3] == 1)
        {
            try
            {
                await _guard.OnRegressedAsync(stream, floor, first).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                // The append itself succeeded; the guard's next check moves the epoch.
                Log.AppendFailed(_logger, ex, stream, 0);
            }
        }

        if (_replicated is not null)
        {
            // The replicas hold it now (a replay too: its original may have been refused for want of them): commit it, so
            // readers see it, and tell the nodes' change feeds, which the script did not. Before this node reports it to its
            // own subscribers (EndOwn), so that no client holds an ID past the mark. If this fails, the event is durable all
            // the same: a background confirmation commits it.
            try
            {
                await CommitAsync(stream, channel, last).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                Log.AppendFailed(_logger, ex, stream, 0);
                RequestConfirm(stream);
            }
        }

        if (replayed)
        {
            return (new AppendResult(first, last, Replayed: true), null);
        }

        if (!report)
        {
            return (new AppendResult(first, last, Replayed: false), null);
        }

        // Reported by the caller (EndOwn), without a read, when this node watches the stream; parked until the change feed
        // has reported every earlier ID when another node's append came in between.
        var appended = new StoredEvent[events.Count];
        for (int i = 0; i < appended.Length; i++)
        {
            appended[i] = new StoredEvent(first + i, events[i].EventType, events[i].Data);
        }

        return (new AppendResult(first, last, Replayed: false), appended);
    }

    private async Task<RedisResult> EvaluateAsync(string stream, RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await EvaluateOnceAsync(stream, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // A restarted or promoted Redis has an empty script cache: load again and retry once. NOSCRIPT means nothing ran.
            _scriptSha = await LoadScriptAsync(_redis).ConfigureAwait(false);
            return await EvaluateOnceAsync(stream, keys, args).ConfigureAwait(false);
        }
    }

    /// <summary>The index write of a failed append: nobody awaits it any more, so its failure is observed here (the next append adds the name again).</summary>
    private static void Observe(Task? index) =>
        index?.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted | TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

    private Task<RedisResult> EvaluateOnceAsync(string stream, RedisKey[] keys, RedisValue[] args) =>
        _replicated is null ? _db.ScriptEvaluateAsync(_scriptSha, keys, args) : _replicated.AppendAsync(stream, _scriptSha, keys, args);

    private async Task<StreamInfo> GetInfoAsync(string stream, bool confirm, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfNoHashTag(stream);
        ThrowIfDisposed();
        long last;
        long allocated;
        StreamEntry[] head;
        try
        {
            // From the primary only: a replica may lag, and a client resuming from an ID a lagging replica has not seen yet
            // would be told it is ahead of the stream (reset). With no primary known, the connection is asked who leads
            // now (a promoted replica) and the read tried once more; with none, the store is unavailable (503) and the
            // client retries, rather than being given a stale answer.
            RedisValue committed;
            try
            {
                (head, allocated, committed) = await ReadStateAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisConnectionException or RedisCommandException)
            {
                // Bounded: with Redis down, the reconfiguration can take the connect timeout, and the answer is a 503 anyway.
                await _rediscovery.RequestAsync().WaitAsync(s_rediscoveryWait, cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                (head, allocated, committed) = await ReadStateAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false);
            }

            // No mark: a stream with no events, or one written before marks existed (all of it committed then).
            last = committed.IsNull ? allocated : Math.Min((long)committed, allocated);
            if (confirm && last < allocated)
            {
                try
                {
                    last = Math.Max(last, await ConfirmAsync(stream).WaitAsync(cancellationToken).ConfigureAwait(false));
                }
                catch (EventLogUnavailableException ex)
                {
                    // Until the replicas answer, readers see the mark; confirmed in the background as soon as they do.
                    Log.ConfirmFailed(_logger, ex, stream);
                    RequestConfirm(stream);
                }
            }
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable($"Reading stream '{stream}' from Redis failed", ex);
        }

        // The oldest entry may be one the mark does not reach yet: then nothing is shown.
        long? oldest = head.Length == 0 ? null : ParseId(head[0].Id);
        return new StreamInfo(oldest <= last ? oldest : null, last) { Allocated = allocated > last ? allocated : null };
    }

    /// <summary>The stream's oldest entry, counter and committed mark, read from the primary in one round trip.</summary>
    private async Task<(StreamEntry[] Head, long Counter, RedisValue Committed)> ReadStateAsync(string stream)
    {
        Task<StreamEntry[]> first = _db.StreamRangeAsync(LogKey(stream), "-", "+", 1, flags: CommandFlags.DemandMaster);
        Task<RedisValue> counter = _db.StringGetAsync(LastKey(stream), CommandFlags.DemandMaster);
        Task<RedisValue> committed = _replicated is null ? Task.FromResult(RedisValue.Null) : _db.StringGetAsync(CommittedKey(stream), CommandFlags.DemandMaster);
        await Task.WhenAll(first, counter, committed).ConfigureAwait(false);
        return (first.Result, counter.Result.IsNull ? 0 : (long)counter.Result, committed.Result);
    }

    /// <summary>
    /// Commits what the stream's counter holds now (with replicas to wait for): an append of zero events, which writes the
    /// counter back, waits for the replicas like any append, and then moves the committed mark to the counter. Returns the
    /// mark. Used when a commit was lost: its node failed after WAIT, or a failover took the mark but not the events.
    /// </summary>
    /// <exception cref="EventLogUnavailableException">The replicas did not confirm in time, or Redis failed.</exception>
    private async Task<long> ConfirmAsync(string stream)
    {
        EventLogOptions log = _options.Log;
        RedisValue[] args = [0, log.Retention, log.TrimSlack, log.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds(), (long)log.IdempotencyWindow.TotalMilliseconds, 0, ""];
        RedisResult result;
        try
        {
            result = await EvaluateAsync(stream, [LogKey(stream), LastKey(stream), CommittedKey(stream)], args).ConfigureAwait(false);
            long last = (long)((RedisResult[])result!)[1];
            await CommitAsync(stream, RedisChangeFeed.ChannelName(_options.KeyPrefix, stream), last).ConfigureAwait(false);
            return last;
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            throw Unavailable($"Confirming stream '{stream}' in Redis failed", ex);
        }
    }

    private Task<RedisResult> CommitAsync(string stream, string channel, long last) =>
        _db.ScriptEvaluateAsync(CommitScript, [CommittedKey(stream)], [last, channel]);

    /// <summary>
    /// Confirms the stream in the background until its committed mark reaches the counter as read now, retrying while the
    /// replicas do not answer; one confirmation per stream at a time. Asked by the change feed when it finds the counter
    /// ahead of the mark, and by an append whose commit failed.
    /// </summary>
    private void RequestConfirm(string stream)
    {
        if (_disposed || !_confirming.TryAdd(stream, 0))
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            TimeSpan delay = TimeSpan.FromMilliseconds(250);
            try
            {
                while (!_stopping.IsCancellationRequested)
                {
                    // First a pause: a commit in flight usually lands in it, and then there is nothing to do.
                    await Task.Delay(delay, _options.Log.TimeProvider, _stopping.Token).ConfigureAwait(false);
                    try
                    {
                        RedisValue[] values = await _db.StringGetAsync([LastKey(stream), CommittedKey(stream)], CommandFlags.DemandMaster).ConfigureAwait(false);
                        long counter = values[0].IsNull ? 0 : (long)values[0];
                        if (values[1].IsNull || (long)values[1] >= counter)
                        {
                            return;
                        }

                        long committed = await ConfirmAsync(stream).ConfigureAwait(false);
                        Log.Confirmed(_logger, stream, committed);
                        return;
                    }
                    catch (Exception ex) when (ex is EventLogUnavailableException || RedisFailures.IsCommandFailure(ex))
                    {
                        Log.ConfirmFailed(_logger, ex, stream);
                        delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                    }
                }
            }
            catch (OperationCanceledException)
            {
                // The store is shutting down.
            }
            finally
            {
                _confirming.TryRemove(stream, out _);
            }
        });
    }

    private void OnCounterBelowDelivered(string stream, long counter, long delivered)
    {
        _guard.See(stream, delivered);
        _ = Task.Run(async () =>
        {
            try
            {
                await _guard.FenceAsync($"stream '{stream}' went back from {delivered} to {counter}").ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                Log.AppendFailed(_logger, ex, stream, 0);
            }
        });
    }

    private async Task CheckPersistenceAsync()
    {
        foreach (IServer server in _redis.GetServers())
        {
            if (!server.IsConnected || server.IsReplica)
            {
                continue;
            }

            try
            {
                Dictionary<string, string> config = (await server.ConfigGetAsync("*").ConfigureAwait(false))
                    .ToDictionary(p => p.Key, p => p.Value, StringComparer.OrdinalIgnoreCase);
                Warn(config, "appendonly", "yes", "an acknowledged event is lost when Redis restarts");
                Warn(config, "appendfsync", "always", "events acknowledged in the last second may be lost when the Redis host crashes");
                Warn(config, "maxmemory-policy", "noeviction", "Redis may evict Herald's logs, counters or epoch: IDs would skip and clients get reset");
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                // Managed Redis services often rename or disable CONFIG: say that nothing was checked rather than fail.
                Log.ConfigUnchecked(_logger, server.EndPoint.ToString() ?? "?", ex.Message);
            }

            void Warn(Dictionary<string, string> config, string name, string wanted, string risk)
            {
                if (config.TryGetValue(name, out string? value) && !string.Equals(value, wanted, StringComparison.OrdinalIgnoreCase))
                {
                    Log.PersistenceWarning(_logger, server.EndPoint.ToString() ?? "?", name, value, wanted, risk);
                }
            }
        }
    }

    private static async Task<byte[]> LoadScriptAsync(IConnectionMultiplexer redis)
    {
        byte[]? sha = null;
        foreach (IServer server in redis.GetServers())
        {
            if (server.IsConnected && !server.IsReplica)
            {
                sha = await server.ScriptLoadAsync(AppendScript).ConfigureAwait(false);
            }
        }

        return sha ?? throw new EventLogUnavailableException("No Redis primary is connected to load the append script on.");
    }

    internal static ConfigurationOptions Configure(RedisEventLogOptions options, TimeSpan commandTimeout, bool failFast)
    {
        ConfigurationOptions config = options.Configuration.Clone();
        config.AbortOnConnectFail = false; // keep reconnecting in the background: the node recovers by itself when Redis returns
        config.ConnectTimeout = (int)options.ConnectTimeout.TotalMilliseconds;
        config.AsyncTimeout = (int)commandTimeout.TotalMilliseconds;
        config.SyncTimeout = (int)commandTimeout.TotalMilliseconds;
        config.ConnectRetry = 1;

        // A Redis restarted by its supervisor answers within a second or two, and until a node reconnects its publishes
        // get 503. The library's default waits half the connect timeout and more between attempts (2.5-10 s with 5 s);
        // attempts 0.5-2 s apart find it at the next heartbeat or the one after, and a long outage costs one connection
        // attempt per endpoint every 2 s.
        config.ReconnectRetryPolicy = new ExponentialRetry(ReconnectBackOffMs, MaxReconnectBackOffMs);
        config.ClientName ??= "herald";
        config.AllowAdmin = true; // CONFIG GET, for the persistence check at open; INFO, for the failover guard
        if (failFast)
        {
            // While disconnected, fail commands at once (a 503 now) instead of queueing them until the timeout.
            config.BacklogPolicy = BacklogPolicy.FailFast;
        }

        return config;
    }

    private static string Describe(RedisEventLogOptions options) =>
        string.Join(",", options.Configuration.EndPoints.Select(e => e.ToString())); // never the password

    private RedisKey LogKey(string stream) => StreamKey(stream, "log");

    private RedisKey LastKey(string stream) => StreamKey(stream, "last");

    private RedisKey CommittedKey(string stream) => StreamKey(stream, "committed");

    // Every key of a stream carries the stream's name as its hash tag, so the script's keys share a Redis Cluster slot.
    private RedisKey StreamKey(string stream, string suffix) => $"{_options.KeyPrefix}:{{{stream}}}:{suffix}";

    internal static long ParseId(RedisValue id)
    {
        // Read from the reply's bytes: the change feed parses every event of every stream it watches, so no string per ID.
        ReadOnlySpan<byte> text = ((ReadOnlyMemory<byte>)id).Span;
        int dash = text.IndexOf((byte)'-');
        ReadOnlySpan<byte> digits = dash < 0 ? text : text[..dash];
        return digits.Length > 0 && Utf8Parser.TryParse(digits, out long value, out int consumed) && consumed == digits.Length && value >= 0 && digits[0] != (byte)'+'
            ? value
            : throw new FormatException($"'{id}' is not a Redis Stream entry ID of Herald's (<n>-0).");
    }

    private static readonly RedisValue TypeField = "type"u8.ToArray();
    private static readonly RedisValue DataField = "data"u8.ToArray();

    /// <summary>An entry of a stream's log as an event: every read path (catch-up, pages, the change feed) goes through here.</summary>
    internal static StoredEvent ToStoredEvent(long id, NameValueEntry[] values)
    {
        string? type = null;
        byte[] data = [];
        foreach (NameValueEntry value in values)
        {
            // Compared as bytes against byte-backed names: no string per field of every event read.
            if (value.Name == TypeField)
            {
                type = value.Value;
            }
            else if (value.Name == DataField)
            {
                data = (byte[]?)value.Value ?? [];
            }
        }

        return new StoredEvent(id, type, data);
    }

    /// <summary>
    /// The stream's name is the hash tag of its keys (<c>{name}</c>): an empty one, or one starting with '}', would make
    /// the tag empty, so Redis Cluster would hash each key alone and refuse the append script's keys as cross-slot.
    /// Herald's HTTP names never do; a library caller gets told here rather than by a Cluster in production.
    /// </summary>
    private static void ThrowIfNoHashTag(string stream)
    {
        if (stream.Length == 0 || stream[0] == '}')
        {
            throw new ArgumentException("A Redis store's stream name must not be empty or start with '}': it is the hash tag of the stream's keys.", nameof(stream));
        }
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new EventLogUnavailableException("The Redis store is shut down.");
        }
    }

    private static EventLogUnavailableException Unavailable(string what, Exception ex) => new($"{what}: {ex.Message}", ex);
}
