using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Every node's subscriber counts, shared through Redis for <c>info</c> and <c>GET /streams</c> (docs/protocol.md "Read": a few
/// seconds stale at most). Each node keeps its counts in memory and, once per <see cref="FlushInterval"/>, writes the
/// ones that changed to a hash of its own (<c>&lt;prefix&gt;:subscribers:&lt;node&gt;</c>, stream → count) whose expiry it
/// renews, and its name with that expiry to <c>&lt;prefix&gt;:nodes</c>. A count is read as this node's own plus, from
/// every node whose entry has not expired, its hash field: one <c>HMGET</c> per live node and page. A node that dies
/// stops counting within <see cref="Lifetime"/>. Nothing is written per subscribe.
/// </summary>
internal sealed partial class RedisSubscriberCounts
{
    public static readonly TimeSpan FlushInterval = TimeSpan.FromSeconds(1);
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, int> _local = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, byte> _dirty = new(StringComparer.Ordinal);
    private readonly IDatabase _db;
    private readonly TimeProvider _clock;
    private readonly ILogger _logger;
    private readonly string _prefix;
    private readonly RedisKey _nodesKey;
    private readonly RedisKey _mine;
    private bool _failing;

    public RedisSubscriberCounts(IDatabase db, string keyPrefix, TimeProvider clock, ILogger logger)
    {
        _db = db;
        _clock = clock;
        _logger = logger;
        _prefix = keyPrefix;
        NodeId = Guid.NewGuid().ToString("N");
        _nodesKey = keyPrefix + ":nodes";
        _mine = HashKey(NodeId);
    }

    public string NodeId { get; }

    public void Changed(string stream, int count)
    {
        if (count > 0)
        {
            _local[stream] = count;
        }
        else
        {
            _local.TryRemove(stream, out _);
        }

        _dirty[stream] = 0;
    }

    public async Task<IReadOnlyList<long>> CountAsync(IReadOnlyList<string> streams, CancellationToken cancellationToken)
    {
        long[] counts = new long[streams.Count];
        for (int i = 0; i < counts.Length; i++)
        {
            counts[i] = _local.TryGetValue(streams[i], out int local) ? local : 0;
        }

        if (streams.Count == 0)
        {
            return counts;
        }

        double now = _clock.GetUtcNow().ToUnixTimeMilliseconds();
        RedisValue[] nodes = await _db.SortedSetRangeByScoreAsync(_nodesKey, now, double.PositiveInfinity, Exclude.Start).WaitAsync(cancellationToken).ConfigureAwait(false);
        RedisValue[] fields = [.. streams.Select(s => (RedisValue)s)];

        // Pipelined: one round trip's latency for every other node.
        Task<RedisValue[]>[] reads = [.. nodes.Where(n => n != NodeId).Select(n => _db.HashGetAsync(HashKey(n!), fields))];
        await Task.WhenAll(reads).WaitAsync(cancellationToken).ConfigureAwait(false);
        foreach (Task<RedisValue[]> read in reads)
        {
            RedisValue[] values = read.Result;
            for (int i = 0; i < counts.Length; i++)
            {
                if (values[i].TryParse(out long count))
                {
                    counts[i] += count;
                }
            }
        }

        return counts;
    }

    public async Task RunAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(FlushInterval, _clock, stopping).ConfigureAwait(false);
                await FlushAsync().ConfigureAwait(false);
                if (_failing)
                {
                    _failing = false;
                    Log.Recovered(_logger);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                if (!_failing)
                {
                    _failing = true;
                    Log.Failed(_logger, ex);
                }
            }
        }
    }

    /// <summary>Takes this node out of the counts at shutdown, rather than when its entry expires.</summary>
    public async Task RemoveAsync()
    {
        try
        {
            await Task.WhenAll(_db.KeyDeleteAsync(_mine), _db.SortedSetRemoveAsync(_nodesKey, NodeId)).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            // It expires by itself.
        }
    }

    private async Task FlushAsync()
    {
        long expires = _clock.GetUtcNow().Add(Lifetime).ToUnixTimeMilliseconds();
        string[] changed = [.. _dirty.Keys];
        foreach (string stream in changed)
        {
            _dirty.TryRemove(stream, out _);
        }

        try
        {
            List<Task> writes = [];
            List<HashEntry> set = [];
            List<RedisValue> deleted = [];
            foreach (string stream in changed)
            {
                if (_local.TryGetValue(stream, out int count))
                {
                    set.Add(new HashEntry(stream, count));
                }
                else
                {
                    deleted.Add(stream);
                }
            }

            if (set.Count > 0)
            {
                writes.Add(_db.HashSetAsync(_mine, [.. set]));
            }

            if (deleted.Count > 0)
            {
                writes.Add(_db.HashDeleteAsync(_mine, [.. deleted]));
            }

            Task<bool> renewed = _db.KeyExpireAsync(_mine, Lifetime);
            writes.Add(renewed);
            writes.Add(_db.SortedSetAddAsync(_nodesKey, NodeId, expires));
            writes.Add(_db.SortedSetRemoveRangeByScoreAsync(_nodesKey, double.NegativeInfinity, expires - (3 * Lifetime.TotalMilliseconds)));
            await Task.WhenAll(writes).ConfigureAwait(false);
            if (!renewed.Result && !_local.IsEmpty)
            {
                // The hash had expired (Redis was away longer than its lifetime, or was wiped): write every count again.
                foreach (string stream in _local.Keys)
                {
                    _dirty[stream] = 0;
                }
            }
        }
        catch
        {
            // Not written: try these again at the next flush.
            foreach (string stream in changed)
            {
                _dirty[stream] = 0;
            }

            throw;
        }
    }

    private RedisKey HashKey(string node) => $"{_prefix}:subscribers:{node}";

    private static partial class Log
    {
        [LoggerMessage(EventId = 425, Level = LogLevel.Warning, Message = "Sharing this node's subscriber counts through Redis failed; info and GET /streams count this node's subscribers as of the last success")]
        public static partial void Failed(ILogger logger, Exception exception);

        [LoggerMessage(EventId = 426, Level = LogLevel.Information, Message = "Sharing this node's subscriber counts through Redis works again")]
        public static partial void Recovered(ILogger logger);
    }
}
