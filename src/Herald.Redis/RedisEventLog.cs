using System.Buffers.Text;
using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// The distributed store (DESIGN.md §5): several Herald nodes share one Redis. Each stream is a Redis Stream whose
/// entry IDs are the event IDs (<c>&lt;n&gt;-0</c>), appended by one Lua script that checks the idempotency key, allocates
/// the IDs from the stream's counter, adds the events and trims, atomically, so log order is ID order whatever node
/// published. Each node runs one reader per watched stream (<c>XREAD BLOCK</c>), which raises <see cref="Appended"/>
/// for every node's appends in ID order; local appends complete once their reader has delivered them.
/// </summary>
public sealed partial class RedisEventLog : IEventLog, IWatchableEventLog
{
    private readonly RedisEventLogOptions _options;
    private readonly ILogger _logger;
    private readonly ConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly AppendSignals _signals = new();
    private readonly ConcurrentDictionary<string, StreamReader> _readers = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _seen = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Task, byte> _inFlight = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly RedisKey _epochKey;
    private readonly RedisKey _indexKey;
    private readonly ConcurrentDictionary<string, byte> _indexed = new(StringComparer.Ordinal);
    private byte[] _scriptSha;
    private volatile string _epoch;
    private Task? _disposeTask;
    private volatile bool _disposed;
    private long _regressions;

    private RedisEventLog(RedisEventLogOptions options, ILogger logger, ConnectionMultiplexer redis, string epoch, byte[] scriptSha)
    {
        _options = options;
        _logger = logger;
        _redis = redis;
        _db = redis.GetDatabase();
        _epochKey = options.KeyPrefix + ":epoch";
        _indexKey = options.KeyPrefix + ":streams";
        _epoch = epoch;
        _scriptSha = scriptSha;
    }

    /// <inheritdoc />
    /// <remarks>
    /// Kept in Redis (<c>&lt;prefix&gt;:epoch</c>). When Redis loses it (a flush, a restart without persistence), the next
    /// node to notice creates a new one: on a sequence regression and on every readiness check (<c>/readyz</c>).
    /// </remarks>
    public string Epoch => _epoch;

    /// <inheritdoc />
    public event EventHandler<EventsAppendedEventArgs>? Appended;

    /// <summary>
    /// Appends that found a stream's counter below the highest ID this node had seen on it (Redis lost writes: a restart
    /// without AOF, a failover, a flush) and pushed it past that ID instead. Exposed as <c>herald_sequence_regressions_total</c>.
    /// </summary>
    public long SequenceRegressions => Interlocked.Read(ref _regressions);

    /// <summary>Streams whose reader runs now.</summary>
    internal int RunningReaders => _readers.Values.Count(r => r.IsRunning);

    /// <summary>Connects, creates the store's epoch when Redis has none (<c>SET NX</c>), loads the append script and checks Redis's persistence settings.</summary>
    /// <exception cref="EventLogUnavailableException">Redis cannot be reached.</exception>
    public static async Task<RedisEventLog> OpenAsync(RedisEventLogOptions options, ILogger<RedisEventLog>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        ILogger log = logger ?? (ILogger)NullLogger<RedisEventLog>.Instance;
        ConnectionMultiplexer redis;
        try
        {
            redis = await ConnectionMultiplexer.ConnectAsync(Configure(options, options.OperationTimeout, failFast: true)).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new EventLogUnavailableException($"Connecting to Redis ({Describe(options)}) failed: {ex.Message}", ex);
        }

        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            IDatabase db = redis.GetDatabase();
            RedisKey epochKey = options.KeyPrefix + ":epoch";
            await db.StringSetAsync(epochKey, Guid.NewGuid().ToString("D"), when: When.NotExists).ConfigureAwait(false);
            string epoch = (string?)await db.StringGetAsync(epochKey).ConfigureAwait(false)
                ?? throw new EventLogUnavailableException("Redis did not keep the store's epoch key (is it evicting keys?).");
            byte[] sha = await LoadScriptAsync(redis).ConfigureAwait(false);
            var store = new RedisEventLog(options, log, redis, epoch, sha);
            await store.CheckPersistenceAsync().ConfigureAwait(false);
            string endpoints = Describe(options);
            Log.Opened(log, endpoints, options.KeyPrefix, epoch, options.WaitReplicas);
            return store;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw new EventLogUnavailableException($"Opening the Redis store ({Describe(options)}) failed: {ex.Message}", ex);
        }
        catch
        {
            await redis.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <inheritdoc />
    public Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
    {
        AppendArguments.Validate(stream, events);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<AppendResult>(cancellationToken);
        }

        if (_disposed)
        {
            throw new EventLogUnavailableException("The Redis store is shut down.");
        }

        // Tracked so that DisposeAsync finishes every append it did not refuse (API.md "Operations": drain in-flight appends).
        Task<AppendResult> task = AppendCoreAsync(stream, events, idempotencyKey);
        _inFlight.TryAdd(task, 0);
        _ = task.ContinueWith(static (t, s) => ((ConcurrentDictionary<Task, byte>)s!).TryRemove(t, out _), _inFlight, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return task;
    }

    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ThrowIfDisposed();
        StreamEntry[] entries;
        try
        {
            // "(" makes the start exclusive (Redis 6.2+): the events after the cursor, not the one it is on.
            entries = await _db.StreamRangeAsync(LogKey(stream), "(" + after.ToString(CultureInfo.InvariantCulture) + "-0", "+", Math.Min(max, 10_000))
                .WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
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
            events[i] = ToStoredEvent(entries[i].Id, entries[i].Values);
        }

        See(stream, events[^1].Id);
        return events;
    }

    /// <inheritdoc />
    public async Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ThrowIfDisposed();
        try
        {
            Task<StreamEntry[]> head = _db.StreamRangeAsync(LogKey(stream), "-", "+", 1);
            Task<RedisValue> counter = _db.StringGetAsync(LastKey(stream));
            await Task.WhenAll(head, counter).WaitAsync(cancellationToken).ConfigureAwait(false);
            long last = counter.Result.IsNull ? 0 : (long)counter.Result;
            StreamEntry[] first = head.Result;
            return new StreamInfo(first.Length == 0 ? null : ParseId(first[0].Id), last);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable($"Reading stream '{stream}' from Redis failed", ex);
        }
    }

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
            Task<StreamInfo>[] infos = [.. names.Select(name => GetInfoAsync(name!, cancellationToken))];
            await Task.WhenAll(infos).ConfigureAwait(false);
            var page = new StreamSummary[names.Length];
            for (int i = 0; i < names.Length; i++)
            {
                StreamInfo info = infos[i].Result;
                page[i] = new StreamSummary(names[i]!, info.First, info.Last);
            }

            return page;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable("Listing streams in Redis failed", ex);
        }
    }

    /// <inheritdoc />
    public Task WaitForAppendAsync(string stream, long after, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);

        // Only a running reader sees other nodes' appends: keep this stream's reader up while someone waits on it.
        StreamReader reader = ReaderFor(stream);
        reader.AddWatcher();
        Task wait = _signals.WaitAsync(stream, after, cancellationToken);
        if (wait.IsCompleted)
        {
            reader.RemoveWatcher();
            return wait;
        }

        _ = wait.ContinueWith(static (_, s) => ((StreamReader)s!).RemoveWatcher(), reader, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        return wait;
    }

    /// <inheritdoc />
    IDisposable IWatchableEventLog.Watch(string stream)
    {
        StreamReader reader = ReaderFor(stream);
        reader.AddWatcher();
        return new WatchHandle(reader);
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
            await RefreshEpochAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            return false;
        }
    }

    /// <summary>Stops taking appends, finishes the ones in flight, stops the readers and closes the connections.</summary>
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
        foreach (StreamReader reader in _readers.Values)
        {
            await reader.StopAsync().ConfigureAwait(false);
        }

        await _redis.DisposeAsync().ConfigureAwait(false);
        _stopping.Dispose();
        string endpoints = Describe(_options);
        Log.Closed(_logger, endpoints);
    }

    private async Task<AppendResult> AppendCoreAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey)
    {
        RedisKey[] keys = idempotencyKey is null
            ? [LogKey(stream), LastKey(stream)]
            : [LogKey(stream), LastKey(stream), StreamKey(stream, "idem:" + idempotencyKey)];
        EventLogOptions log = _options.Log;
        var args = new RedisValue[6 + (events.Count * 2)];
        args[0] = _seen.TryGetValue(stream, out long floor) ? floor : 0;
        args[1] = log.Retention;
        args[2] = log.TrimSlack;
        args[3] = log.TimeProvider.GetUtcNow().ToUnixTimeMilliseconds();
        args[4] = (long)log.IdempotencyWindow.TotalMilliseconds;
        args[5] = events.Count;
        for (int i = 0; i < events.Count; i++)
        {
            args[6 + (i * 2)] = events[i].EventType ?? "";
            args[7 + (i * 2)] = events[i].Data;
        }

        RedisResult result;
        try
        {
            // See ListStreamsAsync: the index is written beside the script, once per stream and node.
            Task? index = _indexed.ContainsKey(stream) ? null : _db.SortedSetAddAsync(_indexKey, stream, 0);
            result = await EvaluateAsync(keys, args).ConfigureAwait(false);
            if (index is not null)
            {
                await index.ConfigureAwait(false);
                _indexed.TryAdd(stream, 0);
            }
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            Log.AppendFailed(_logger, ex, stream, events.Count);
            throw Unavailable($"Appending to stream '{stream}' in Redis failed", ex);
        }

        RedisResult[] parts = (RedisResult[])result!;
        long first = (long)parts[0];
        long last = (long)parts[1];
        bool replayed = (long)parts[2] == 1;
        if ((long)parts[3] == 1)
        {
            Interlocked.Increment(ref _regressions);
            Log.SequenceRegressed(_logger, stream, floor, first);
            try
            {
                // Lost writes may have taken the epoch with them: a wiped store gets a new one (API.md "Streams").
                await RefreshEpochAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is RedisException or TimeoutException)
            {
                // The append itself succeeded; the next readiness check tries again.
            }
        }

        See(stream, last);
        if (replayed)
        {
            return new AppendResult(first, last, Replayed: true);
        }

        if (_options.WaitReplicas > 0)
        {
            await WaitForReplicasAsync(stream).ConfigureAwait(false);
        }

        // Appended reaches observers once per event and in ID order, whichever node appended: the stream's reader raises
        // what it reads, and this append is raised here as soon as every earlier ID has been (at once, unless another
        // node's events came in between). Acknowledge once it has been raised (the IEventLog contract: raised before the
        // task completes). A reader that cannot deliver in time does not fail a durable append.
        var appended = new StoredEvent[events.Count];
        for (int i = 0; i < appended.Length; i++)
        {
            appended[i] = new StoredEvent(first + i, events[i].EventType, events[i].Data);
        }

        StreamReader reader = ReaderFor(stream);
        Task delivered = last - first + 1 == appended.Length
            ? reader.DeliverOwnAsync(appended)
            : reader.WaitDeliveredAsync(first - 1, last);
        try
        {
            await delivered.WaitAsync(_options.OperationTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Log.DeliveryLate(_logger, stream, last);
        }

        return new AppendResult(first, last, Replayed: false);
    }

    private async Task<RedisResult> EvaluateAsync(RedisKey[] keys, RedisValue[] args)
    {
        try
        {
            return await _db.ScriptEvaluateAsync(_scriptSha, keys, args).ConfigureAwait(false);
        }
        catch (RedisServerException ex) when (ex.Message.StartsWith("NOSCRIPT", StringComparison.Ordinal))
        {
            // A restarted Redis has an empty script cache: load again and retry once. NOSCRIPT means nothing ran.
            _scriptSha = await LoadScriptAsync(_redis).ConfigureAwait(false);
            return await _db.ScriptEvaluateAsync(_scriptSha, keys, args).ConfigureAwait(false);
        }
    }

    private async Task RefreshEpochAsync()
    {
        await _db.StringSetAsync(_epochKey, Guid.NewGuid().ToString("D"), when: When.NotExists).ConfigureAwait(false);
        string? current = await _db.StringGetAsync(_epochKey).ConfigureAwait(false);
        string previous = _epoch;
        if (current is not null && !string.Equals(current, previous, StringComparison.Ordinal))
        {
            _epoch = current;
            Log.EpochChanged(_logger, previous, current);
        }
    }

    private async Task WaitForReplicasAsync(string stream)
    {
        long timeoutMs = (long)_options.WaitReplicasTimeout.TotalMilliseconds;
        long acknowledged;
        try
        {
            // WAIT covers every write sent before it on this connection, this append's included.
            acknowledged = (long)await _db.ExecuteAsync("WAIT", _options.WaitReplicas, timeoutMs).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw Unavailable($"Waiting for {_options.WaitReplicas} Redis replicas after appending to '{stream}' failed", ex);
        }

        if (acknowledged < _options.WaitReplicas)
        {
            Log.ReplicasLate(_logger, stream, acknowledged, _options.WaitReplicas, timeoutMs);
            throw new EventLogUnavailableException(
                $"The append to '{stream}' reached the Redis primary, but only {acknowledged} of {_options.WaitReplicas} replicas acknowledged it within {timeoutMs} ms; " +
                "it is not acknowledged and may be lost in a failover. Retry with the same Idempotency-Key.");
        }
    }

    private StreamReader ReaderFor(string stream) =>
        _readers.GetOrAdd(stream, static (name, store) => new StreamReader(store, name), this);

    /// <summary>Raises <see cref="Appended"/> and wakes waiters; called by a stream's reader, one call at a time per stream, in ID order.</summary>
    private void Deliver(string stream, StoredEvent[] events)
    {
        try
        {
            Appended?.Invoke(this, new EventsAppendedEventArgs(stream, events, _options.Log.TimeProvider.GetTimestamp()));
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            Log.AppendedHandlerFailed(_logger, ex, stream);
        }

        See(stream, events[^1].Id);
        _signals.Notify(stream, events[^1].Id);
    }

    /// <summary>Remembers the highest ID seen on a stream: the floor the append script never lets the counter go below.</summary>
    private void See(string stream, long id)
    {
        while (true)
        {
            if (_seen.TryGetValue(stream, out long seen))
            {
                if (seen >= id || _seen.TryUpdate(stream, id, seen))
                {
                    return;
                }
            }
            else if (_seen.TryAdd(stream, id))
            {
                return;
            }
        }
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
            catch (Exception ex) when (ex is RedisException or RedisCommandException or TimeoutException)
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

    private static async Task<byte[]> LoadScriptAsync(ConnectionMultiplexer redis)
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
        config.ClientName ??= "herald";
        config.AllowAdmin = true; // CONFIG GET, for the persistence check at open
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

    // Every key of a stream carries the stream's name as its hash tag, so the script's keys share a Redis Cluster slot.
    private RedisKey StreamKey(string stream, string suffix) => $"{_options.KeyPrefix}:{{{stream}}}:{suffix}";

    internal static long ParseId(RedisValue id)
    {
        // Read from the reply's bytes: the readers parse every event of every stream they watch, so no string per ID.
        ReadOnlySpan<byte> text = ((ReadOnlyMemory<byte>)id).Span;
        int dash = text.IndexOf((byte)'-');
        ReadOnlySpan<byte> digits = dash < 0 ? text : text[..dash];
        return digits.Length > 0 && Utf8Parser.TryParse(digits, out long value, out int consumed) && consumed == digits.Length && value >= 0 && digits[0] != (byte)'+'
            ? value
            : throw new FormatException($"'{id}' is not a Redis Stream entry ID of Herald's (<n>-0).");
    }

    private static StoredEvent ToStoredEvent(RedisValue id, NameValueEntry[] values)
    {
        string? type = null;
        ReadOnlyMemory<byte> data = ReadOnlyMemory<byte>.Empty;
        foreach (NameValueEntry value in values)
        {
            if (value.Name == "type")
            {
                type = value.Value;
            }
            else if (value.Name == "data")
            {
                data = (byte[]?)value.Value ?? [];
            }
        }

        return new StoredEvent(ParseId(id), type, data);
    }

    private void ThrowIfDisposed()
    {
        if (_disposed)
        {
            throw new EventLogUnavailableException("The Redis store is shut down.");
        }
    }

    private static EventLogUnavailableException Unavailable(string what, Exception ex) => new($"{what}: {ex.Message}", ex);

    private sealed class WatchHandle(StreamReader reader) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                reader.RemoveWatcher();
            }
        }
    }
}
