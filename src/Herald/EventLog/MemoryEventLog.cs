using System.Collections.Concurrent;

namespace Herald;

/// <summary>
/// The <see cref="IEventLog"/> contract in RAM. History, idempotency keys and the epoch are lost when the process ends,
/// so IDs start again at 1 after a restart (with a new epoch, so resuming clients get <c>reset</c>).
/// </summary>
public sealed class MemoryEventLog : IEventLog
{
    private readonly ConcurrentDictionary<string, StreamLog> _streams = new(StringComparer.Ordinal);
    private readonly AppendWatchers _watchers = new();
    private readonly EventLogOptions _options;
    private volatile bool _disposed;

    /// <summary>Creates an empty log with a new epoch.</summary>
    public MemoryEventLog(EventLogOptions? options = null)
    {
        _options = options ?? new EventLogOptions();
        _options.Validate();
    }

    /// <inheritdoc />
    public string Epoch { get; } = Guid.NewGuid().ToString("D");

    /// <inheritdoc />
    public Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
    {
        AppendArguments.Validate(stream, events);

        if (_disposed)
        {
            throw new EventLogUnavailableException("The memory store is shut down.");
        }

        StreamLog log = _streams.GetOrAdd(stream, static _ => new StreamLog());
        TimeProvider clock = _options.TimeProvider;
        lock (log)
        {
            long now = clock.GetUtcNow().UtcTicks;
            if (idempotencyKey is not null && log.TryGetKey(idempotencyKey, now, out AppendResult original))
            {
                return Task.FromResult(original);
            }

            long first = log.Last + 1;
            StoredEvent[] stored = new StoredEvent[events.Count];
            for (int i = 0; i < stored.Length; i++)
            {
                EventData e = events[i];
                stored[i] = new StoredEvent(first + i, e.EventType, e.Data);
            }

            log.Add(stored, _options.Retention, _options.TrimSlack);
            var result = new AppendResult(first, log.Last, Replayed: false);
            if (idempotencyKey is not null)
            {
                log.RememberKey(idempotencyKey, result, now + _options.IdempotencyWindow.Ticks, now);
            }

            // Raised under the stream's lock so that observers see each stream's events in ID order.
            _watchers.Report(stream, stored, clock.GetTimestamp());
            return Task.FromResult(result);
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        if (!_streams.TryGetValue(stream, out StreamLog? log))
        {
            return Task.FromResult<IReadOnlyList<StoredEvent>>([]);
        }

        lock (log)
        {
            return Task.FromResult<IReadOnlyList<StoredEvent>>(log.Read(after, max));
        }
    }

    /// <inheritdoc />
    public Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken)
    {
        if (!_streams.TryGetValue(stream, out StreamLog? log))
        {
            return Task.FromResult(new StreamInfo(null, 0));
        }

        lock (log)
        {
            return Task.FromResult(new StreamInfo(log.First, log.Last));
        }
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);

        // A sort per page: fine for a store that lives in one process's memory.
        List<StreamSummary> page = [];
        foreach (KeyValuePair<string, StreamLog> stream in _streams
            .Where(s => after is null || string.CompareOrdinal(s.Key, after) > 0)
            .OrderBy(s => s.Key, StringComparer.Ordinal)
            .Take(max))
        {
            lock (stream.Value)
            {
                page.Add(new StreamSummary(stream.Key, stream.Value.First, stream.Value.Last));
            }
        }

        return Task.FromResult<IReadOnlyList<StreamSummary>>(page);
    }

    /// <inheritdoc />
    public IDisposable Watch(string stream, IAppendObserver observer) => _watchers.Watch(stream, observer);

    /// <inheritdoc />
    public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => Task.FromResult(!_disposed);

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        _disposed = true;
        return ValueTask.CompletedTask;
    }

    private sealed class StreamLog
    {
        private readonly List<StoredEvent> _events = [];
        private readonly Dictionary<string, (AppendResult Result, long ExpiresTicks)> _keys = new(StringComparer.Ordinal);
        private long _nextSweepTicks;

        public long Last { get; private set; }

        public long? First => _events.Count == 0 ? null : _events[0].Id;

        public void Add(StoredEvent[] events, long retention, long slack)
        {
            _events.AddRange(events);
            Last = events[^1].Id;
            if (_events.Count > retention + slack)
            {
                _events.RemoveRange(0, (int)(_events.Count - retention));
            }
        }

        public List<StoredEvent> Read(long after, int max)
        {
            if (_events.Count == 0 || after >= Last)
            {
                return [];
            }

            long first = _events[0].Id;
            int start = after < first ? 0 : (int)(after - first + 1);
            int count = Math.Min(max, _events.Count - start);
            return _events.GetRange(start, count);
        }

        public bool TryGetKey(string key, long nowTicks, out AppendResult original)
        {
            if (_keys.TryGetValue(key, out var entry) && entry.ExpiresTicks > nowTicks)
            {
                original = entry.Result with { Replayed = true };
                return true;
            }

            original = default;
            return false;
        }

        public void RememberKey(string key, AppendResult result, long expiresTicks, long nowTicks)
        {
            _keys[key] = (result, expiresTicks);
            if (nowTicks >= _nextSweepTicks)
            {
                // Expired keys go in one sweep a minute, not one check per append.
                _nextSweepTicks = nowTicks + TimeSpan.TicksPerMinute;
                foreach (var (k, v) in _keys)
                {
                    if (v.ExpiresTicks <= nowTicks)
                    {
                        _keys.Remove(k);
                    }
                }
            }
        }
    }
}
