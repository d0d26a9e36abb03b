using System.Globalization;
using StackExchange.Redis;

namespace Herald;

public sealed partial class RedisEventLog
{
    /// <summary>
    /// The one reader of a stream on this node: <c>XREAD BLOCK</c> from the last ID it delivered, raising
    /// <see cref="Appended"/> for what it finds, whoever appended it. It runs while the stream is watched, waited on or
    /// appended to here, and stops after <see cref="RedisEventLogOptions.ReaderIdleTimeout"/> without any of those.
    /// </summary>
    /// <remarks>
    /// A blocking command holds its connection until it returns, and StackExchange.Redis pipelines every command of a
    /// multiplexer over one connection: a blocking XREAD there would stall appends and every other reader. So each running
    /// reader has a connection of its own (one more Redis client per active stream per node, not per subscriber) and blocks
    /// for at most <see cref="RedisEventLogOptions.ReaderBlock"/> at a time, which also bounds how late it notices that it
    /// is idle or that the store is closing.
    /// </remarks>
    private sealed class StreamReader
    {
        private const int MaxEntriesPerRead = 1000;

        private static readonly RedisValue TypeField = "type"u8.ToArray();
        private static readonly RedisValue DataField = "data"u8.ToArray();

        private readonly RedisEventLog _store;
        private readonly string _stream;
        private readonly RedisKey _key;
        private readonly Lock _lock = new();

        // Held while Appended is raised, by the reader or by one of this node's appends, so that it is raised in ID order
        // and once per event. Taken before _lock, never inside it.
        private readonly Lock _deliverLock = new();

        // This node's appends that came back from the script before an earlier ID was raised, by first ID (_deliverLock).
        private readonly SortedDictionary<long, StoredEvent[]> _own = [];
        private readonly List<(long Last, TaskCompletionSource Done)> _pending = [];
        private int _watchers;
        private long _lastUse = Environment.TickCount64;
        private long _delivered = -1; // the last ID delivered; -1 before the first run resolved where to start
        private long _startHint = long.MaxValue; // the lowest "after" a local append needs delivered from
        private bool _running;
        private bool _resolved;
        private Task _loop = Task.CompletedTask;
        private ConnectionMultiplexer? _connection;

        public StreamReader(RedisEventLog store, string stream)
        {
            _store = store;
            _stream = stream;
            _key = store.LogKey(stream);
        }

        public bool IsRunning
        {
            get
            {
                lock (_lock)
                {
                    return _running;
                }
            }
        }

        public void AddWatcher()
        {
            lock (_lock)
            {
                _watchers++;
                _lastUse = Environment.TickCount64;
                EnsureRunning();
            }
        }

        public void RemoveWatcher()
        {
            lock (_lock)
            {
                _watchers--;
                _lastUse = Environment.TickCount64;
            }
        }

        /// <summary>Completes once every ID up to <paramref name="last"/> has been delivered; <paramref name="after"/> is where this append began.</summary>
        public Task WaitDeliveredAsync(long after, long last)
        {
            lock (_lock)
            {
                _lastUse = Environment.TickCount64;
                if (_resolved && _delivered >= last)
                {
                    return Task.CompletedTask;
                }

                _startHint = Math.Min(_startHint, after);
                var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _pending.Add((last, done));
                EnsureRunning();
                return done.Task;
            }
        }

        /// <summary>
        /// Raises this node's own append, IDs contiguous, without waiting for the reader to read it back: at once when
        /// every earlier ID has been raised, else as soon as the reader or another local append fills the hole before it.
        /// Completes once it has been raised, by whichever comes first. Saves the XREAD round trip on the publish path
        /// while keeping Appended in ID order across nodes.
        /// </summary>
        public Task DeliverOwnAsync(StoredEvent[] events)
        {
            long first = events[0].Id;
            long last = events[^1].Id;
            lock (_deliverLock)
            {
                bool resolved;
                lock (_lock)
                {
                    resolved = _resolved;
                }

                // Before the reader knows where it starts, it alone decides what was raised; it reads this append too.
                if (resolved)
                {
                    _own[first] = events;
                    RaiseOwnInOrder();
                }
            }

            return WaitDeliveredAsync(first - 1, last);
        }

        public async Task StopAsync()
        {
            Task loop;
            lock (_lock)
            {
                loop = _loop;
            }

            // Closing the connection ends a blocked XREAD at once instead of after its BLOCK time.
            ConnectionMultiplexer? connection = Volatile.Read(ref _connection);
            if (connection is not null)
            {
                await connection.CloseAsync(allowCommandsToComplete: false).ConfigureAwait(false);
            }

            try
            {
                await loop.WaitAsync(_store._options.ReaderBlock + _store._options.OperationTimeout).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // The loop ends with its connection; nothing waits on it any more.
            }
            catch (Exception ex) when (ex is RedisException or ObjectDisposedException)
            {
                // Closing the connection under the loop; it is over either way.
            }
        }

        private void EnsureRunning()
        {
            if (_running || _store._stopping.IsCancellationRequested)
            {
                return;
            }

            _running = true;
            _resolved = false;
            _loop = Task.Run(RunAsync);
        }

        private async Task RunAsync()
        {
            RedisEventLogOptions options = _store._options;
            CancellationToken stopping = _store._stopping.Token;
            int blockMs = (int)options.ReaderBlock.TotalMilliseconds;
            bool failing = false;
            Log.ReaderStarted(_store._logger, _stream);
            try
            {
                while (!stopping.IsCancellationRequested)
                {
                    try
                    {
                        ConnectionMultiplexer connection = _connection ??= await ConnectionMultiplexer.ConnectAsync(
                            ReaderConfiguration(options)).ConfigureAwait(false);
                        IDatabase db = connection.GetDatabase();
                        if (!_resolved)
                        {
                            await ResolveStartAsync(db).ConfigureAwait(false);
                        }

                        long from;
                        lock (_lock)
                        {
                            from = _delivered;
                        }

                        RedisResult result = await db.ExecuteAsync(
                            "XREAD", "COUNT", MaxEntriesPerRead, "BLOCK", blockMs, "STREAMS", _key, from.ToString(CultureInfo.InvariantCulture) + "-0").ConfigureAwait(false);
                        if (!result.IsNull)
                        {
                            Deliver(Parse(result, from));
                        }

                        if (failing)
                        {
                            failing = false;
                            Log.ReaderRecovered(_store._logger, _stream, from);
                        }
                    }
                    catch (Exception ex) when (ex is RedisException or TimeoutException or ObjectDisposedException)
                    {
                        if (stopping.IsCancellationRequested)
                        {
                            break; // StopAsync closed the connection under a blocked XREAD
                        }

                        if (!failing)
                        {
                            failing = true;
                            Log.ReaderFailed(_store._logger, ex, _stream);
                        }

                        // Redis is away: try again soon, on the same connection (it reconnects by itself), from the same ID.
                        try
                        {
                            await Task.Delay(TimeSpan.FromMilliseconds(250), stopping).ConfigureAwait(false);
                        }
                        catch (OperationCanceledException)
                        {
                            break;
                        }
                    }

                    lock (_lock)
                    {
                        if (_watchers <= 0 && _pending.Count == 0 && Environment.TickCount64 - _lastUse >= (long)options.ReaderIdleTimeout.TotalMilliseconds)
                        {
                            _running = false;
                            break;
                        }
                    }
                }
            }
            finally
            {
                ConnectionMultiplexer? connection = Interlocked.Exchange(ref _connection, null);
                if (connection is not null)
                {
                    try
                    {
                        await connection.DisposeAsync().ConfigureAwait(false);
                    }
#pragma warning disable CA1031 // A connection that fails to close (StackExchange.Redis 3.4.35 can throw NullReferenceException
                    // from CloseAsync during shutdown) must neither skip releasing the waiters below nor end the process.
                    catch (Exception ex)
#pragma warning restore CA1031
                    {
                        Log.ReaderCloseFailed(_store._logger, ex, _stream);
                    }
                }

                lock (_lock)
                {
                    _running = false;

                    // Only at shutdown: the appends these belong to are durable; their callers need not wait any longer.
                    foreach ((long _, TaskCompletionSource done) in _pending)
                    {
                        done.TrySetResult();
                    }

                    _pending.Clear();
                }

                lock (_deliverLock)
                {
                    _own.Clear(); // a restarted reader reads them back from Redis
                }

                Log.ReaderStopped(_store._logger, _stream);
            }
        }

        /// <summary>
        /// Where a (re)started reader begins. A local append needs its own events, so at most its start. Otherwise one before
        /// the stream's current last: a subscriber that read the store just before the reader started is then woken by the
        /// newest event even when it landed in between, and reads what it missed from the store. Never before what this
        /// node already delivered, so each event is raised at most once per node.
        /// </summary>
        private async Task ResolveStartAsync(IDatabase db)
        {
            RedisValue counter = await db.StringGetAsync(_store.LastKey(_stream)).ConfigureAwait(false);
            long last = counter.IsNull ? 0 : (long)counter;
            lock (_lock)
            {
                long start = Math.Max(0, Math.Min(last - 1, _startHint));
                _delivered = Math.Max(_delivered, start);
                _startHint = long.MaxValue;
                _resolved = true;
                CompletePending();
            }
        }

        /// <summary>What the reader read: raised unless this node's own appends already raised it.</summary>
        private void Deliver(StoredEvent[] events)
        {
            lock (_deliverLock)
            {
                long delivered = Delivered();
                int skip = 0;
                while (skip < events.Length && events[skip].Id <= delivered)
                {
                    skip++;
                }

                if (skip < events.Length)
                {
                    Raise(skip == 0 ? events : events[skip..]);
                }

                RaiseOwnInOrder();
            }
        }

        /// <summary>Raises the parked own appends that now follow on from what was raised; drops those the reader raised.</summary>
        private void RaiseOwnInOrder()
        {
            while (_own.Count > 0)
            {
                (long first, StoredEvent[] chunk) = _own.First();
                long delivered = Delivered();
                if (chunk[^1].Id <= delivered)
                {
                    _own.Remove(first);
                    continue;
                }

                if (first != delivered + 1)
                {
                    return; // an ID before it (another node's) is not raised yet: the reader brings it
                }

                _own.Remove(first);
                Raise(chunk);
            }
        }

        private void Raise(StoredEvent[] events)
        {
            _store.Deliver(_stream, events);
            lock (_lock)
            {
                _delivered = events[^1].Id;
                CompletePending();
            }
        }

        private long Delivered()
        {
            lock (_lock)
            {
                return _delivered;
            }
        }

        private void CompletePending()
        {
            for (int i = _pending.Count - 1; i >= 0; i--)
            {
                if (_pending[i].Last <= _delivered)
                {
                    _pending[i].Done.TrySetResult();
                    _pending.RemoveAt(i);
                }
            }
        }

        private static StoredEvent[] Parse(RedisResult result, long after)
        {
            // RESP2 XREAD reply: [[key, [[id, [field, value, …]], …]]].
            RedisResult[] streams = (RedisResult[])result!;
            RedisResult[] entries = (RedisResult[])((RedisResult[])streams[0]!)[1]!;
            List<StoredEvent> events = new(entries.Length);
            foreach (RedisResult entry in entries)
            {
                RedisResult[] parts = (RedisResult[])entry!;
                long id = ParseId((RedisValue)parts[0]);
                if (id <= after)
                {
                    continue;
                }

                RedisResult[] fields = (RedisResult[])parts[1]!;
                string? type = null;
                byte[] data = [];
                for (int f = 0; f + 1 < fields.Length; f += 2)
                {
                    // Compared as bytes against byte-backed names: no string per field of every event read.
                    RedisValue name = (RedisValue)fields[f];
                    if (name == TypeField)
                    {
                        type = (string?)fields[f + 1];
                    }
                    else if (name == DataField)
                    {
                        data = (byte[]?)fields[f + 1] ?? [];
                    }
                }

                events.Add(new StoredEvent(id, type, data));
            }

            return [.. events];
        }

        private static ConfigurationOptions ReaderConfiguration(RedisEventLogOptions options)
        {
            // The command timeout must outlast the BLOCK, or every quiet XREAD would count as a failure.
            ConfigurationOptions config = Configure(options, options.ReaderBlock + options.OperationTimeout, failFast: true);
            config.Protocol = RedisProtocol.Resp2;
            config.ClientName = "herald-reader";

            // Without SUBSCRIBE the client opens no second (pub/sub) connection: one Redis client per reader, not two.
            config.CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "SUBSCRIBE" }, available: false);
            return config;
        }
    }
}
