using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Keeps IDs from being given to other data when Redis loses acknowledged writes (a failover to a replica that lagged,
/// a restart without persistence, a flush), as long as a node that saw those IDs runs (docs/design.md).
/// </summary>
/// <remarks>
/// <para>
/// Each node remembers, per stream, the highest ID it appended or delivered (a mark) for as long as that write may still
/// be missing from a replica. It learns which writes the replicas hold from <c>INFO replication</c> on every primary,
/// once per <see cref="RedisEventLogOptions.ReplicationCheckInterval"/>: a mark made before poll <c>g + 1</c> was sent
/// lies at or below that poll's <c>master_repl_offset</c>, so once every connected replica reports an offset at least
/// that high, the write would survive a promotion and the mark is dropped. A primary that has never had a replica
/// while this node watched it keeps marks for <see cref="NoReplicaMarkTime"/> (the AOF's window with
/// <c>appendfsync everysec</c>). So the marks a node holds are the writes that a failover could lose, not every stream
/// it ever saw: they stay few however many streams there are.
/// </para>
/// <para>
/// A loss shows in three ways: a primary's replication ID changes (a promotion, or a restart: the fence check then
/// compares every mark with the stream's counter), the append script finds a counter below this node's mark, or a
/// change-feed read finds a counter below what this node delivered. Each one moves the whole store to a new epoch (a
/// compare-and-set, so several nodes detecting one loss move it once) and pushes every affected counter past the mark,
/// so the lost IDs are never handed out again: every node adopts the new epoch at its next poll, open subscriptions get
/// <c>reset</c>, and clients resuming with the old epoch get <c>reset</c> too.
/// </para>
/// </remarks>
internal sealed partial class RedisFailoverGuard : IDisposable
{
    /// <summary>How long a mark is kept on a primary without replicas: past <c>appendfsync everysec</c>'s one-second window.</summary>
    public static readonly TimeSpan NoReplicaMarkTime = TimeSpan.FromSeconds(10);

    private const string PushCounterScript = """
        local c = tonumber(redis.call('GET', KEYS[1]) or '0')
        if c < tonumber(ARGV[1]) then
          redis.call('SET', KEYS[1], ARGV[1])
          return 1
        end
        return 0
        """;

    private const string SwapEpochScript = """
        local e = redis.call('GET', KEYS[1])
        if e == false or e == ARGV[1] then
          redis.call('SET', KEYS[1], ARGV[2])
          return ARGV[2]
        end
        return e
        """;

    private readonly ConcurrentDictionary<string, Mark> _marks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, PrimaryState> _primaries = new(StringComparer.Ordinal);
    private readonly List<Poll> _polls = [];
    private readonly IConnectionMultiplexer _redis;
    private readonly IDatabase _db;
    private readonly RedisKey _epochKey;
    private readonly Func<string, RedisKey> _lastKey;
    private readonly ILogger _logger;
    private readonly TimeProvider _clock;
    private readonly SemaphoreSlim _fence = new(1, 1);
    private long _generation;
    private long _regressions;
    private readonly PrimaryRediscovery _rediscovery;
    private volatile string _epoch;

    public RedisFailoverGuard(IConnectionMultiplexer redis, IDatabase db, RedisKey epochKey, Func<string, RedisKey> lastKey, string epoch, PrimaryRediscovery rediscovery, TimeProvider clock, ILogger logger)
    {
        _redis = redis;
        _rediscovery = rediscovery;
        _db = db;
        _epochKey = epochKey;
        _lastKey = lastKey;
        _epoch = epoch;
        _clock = clock;
        _logger = logger;
    }

    public string Epoch => _epoch;

    public void Dispose() => _fence.Dispose();

    public long Regressions => Interlocked.Read(ref _regressions);

    /// <summary>Streams whose latest writes a failover could still lose, as far as this node knows.</summary>
    public int Marks => _marks.Count;

    /// <summary>The floor the append script never lets the stream's counter go below: the highest ID this node saw and still guards.</summary>
    public long FloorOf(string stream) => _marks.TryGetValue(stream, out Mark mark) ? mark.Id : 0;

    /// <summary>Remembers that this node saw <paramref name="id"/> on <paramref name="stream"/> (appended it, or delivered it).</summary>
    public void See(string stream, long id)
    {
        long generation = Interlocked.Read(ref _generation);
        long now = _clock.GetTimestamp();
        while (true)
        {
            if (_marks.TryGetValue(stream, out Mark seen))
            {
                if ((seen.Id >= id && seen.Generation >= generation) || _marks.TryUpdate(stream, new Mark(Math.Max(id, seen.Id), generation, now), seen))
                {
                    return;
                }
            }
            else if (_marks.TryAdd(stream, new Mark(id, generation, now)))
            {
                return;
            }
        }
    }

    /// <summary>Runs the checks until <paramref name="stopping"/>; never throws.</summary>
    public async Task RunAsync(TimeSpan interval, Action refreshFeeds, CancellationToken stopping)
    {
        bool first = true;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                // The first check at once: it learns the primaries' replication IDs and whether replicas exist before
                // anything could fail over.
                if (!first)
                {
                    await Task.Delay(interval, _clock, stopping).ConfigureAwait(false);
                }

                first = false;
                await CheckAsync(refreshFeeds).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex) || ex is FormatException or InvalidCastException)
            {
                Log.CheckFailed(_logger, ex);
            }
        }
    }

    /// <summary>One poll: replication IDs and offsets of every primary, the store's epoch, and marks that are now safe.</summary>
    public async Task CheckAsync(Action refreshFeeds)
    {
        long generation = Interlocked.Increment(ref _generation);
        long now = _clock.GetTimestamp();
        IServer[] primaries = [.. _redis.GetServers().Where(s => s.IsConnected && !s.IsReplica)];
        if (primaries.Length == 0)
        {
            await _rediscovery.RequestAsync().ConfigureAwait(false); // the primary is gone: who leads now?

            return;
        }

        bool replicasConnected = _redis.GetServers().Any(s => s.IsConnected && s.IsReplica);
        var offsets = new Dictionary<string, long>(StringComparer.Ordinal);
        var replicated = new Dictionary<string, long>(StringComparer.Ordinal);
        bool changed = false;
        bool demoted = false;
        foreach (IServer server in primaries)
        {
            string endpoint = server.EndPoint.ToString() ?? "?";
            string info = await server.InfoRawAsync("replication").ConfigureAwait(false) ?? "";
            Replication replication = Replication.Parse(info);
            if (replication.IsReplica)
            {
                // Demoted in place (a switchover): the connection still takes it for the primary, and reads sent to the
                // primary only would be answered by a replica. Who leads now is asked below.
                demoted = true;
                continue;
            }

            if (_primaries.TryGetValue(endpoint, out PrimaryState? known))
            {
                if (!string.Equals(known.ReplicationId, replication.ReplicationId, StringComparison.Ordinal))
                {
                    changed = true;
                    Log.PrimaryChanged(_logger, endpoint, known.ReplicationId, replication.ReplicationId);
                }
            }
            else if (_primaries.Count > 0)
            {
                // A server that leads now and did not before: a replica was promoted (or a shard added).
                changed = true;
                Log.PrimaryChanged(_logger, endpoint, "(none)", replication.ReplicationId);
            }

            // A deployment has replicas when a primary reports one, or when the node is connected to one: a replica that was
            // detached or fell behind no longer shows in the primary's INFO, but still shows in the connection.
            bool hadReplicas = (known?.HadReplicas ?? false) || replication.ReplicaOffsets.Count > 0 || replicasConnected;
            _primaries[endpoint] = new PrimaryState(replication.ReplicationId, hadReplicas, generation);
            offsets[endpoint] = replication.Offset;
            replicated[endpoint] = replication.ReplicaOffsets.Count > 0 ? replication.ReplicaOffsets.Min() : hadReplicas ? -1 : long.MaxValue;
        }

        if (demoted)
        {
            await _rediscovery.RequestAsync().ConfigureAwait(false);
        }

        _polls.Add(new Poll(generation, now, offsets));
        if (_polls.Count > 600)
        {
            _polls.RemoveRange(0, _polls.Count - 600);
        }

        if (changed)
        {
            await FenceAsync("the Redis primary changed").ConfigureAwait(false);
            refreshFeeds();
        }

        await AdoptEpochAsync().ConfigureAwait(false);
        DropReplicatedMarks(replicated, now);
    }

    /// <summary>Compares every mark with its stream's counter; on a loss, pushes the counters past the marks and moves the store to a new epoch.</summary>
    public async Task FenceAsync(string reason)
    {
        await _fence.WaitAsync().ConfigureAwait(false);
        try
        {
            // ToArray takes the dictionary's locks and sizes the copy under them; a spread reads Count first and then
            // copies, which throws when an append marks a new stream in between.
            KeyValuePair<string, Mark>[] marks = _marks.ToArray();
            List<(string Stream, long Counter, long Mark)> lost = [];
            foreach (KeyValuePair<string, Mark>[] chunk in marks.Chunk(500))
            {
                // Pipelined: one round trip's latency for each 500 marks. From the primary only: a lagging replica's
                // counters would be taken for lost writes and move the store to a new epoch for nothing.
                Task<RedisValue>[] counters = [.. chunk.Select(m => _db.StringGetAsync(_lastKey(m.Key), CommandFlags.DemandMaster))];
                await Task.WhenAll(counters).ConfigureAwait(false);
                for (int i = 0; i < chunk.Length; i++)
                {
                    long counter = counters[i].Result.IsNull ? 0 : (long)counters[i].Result;
                    if (counter < chunk[i].Value.Id)
                    {
                        lost.Add((chunk[i].Key, counter, chunk[i].Value.Id));
                    }
                }
            }

            if (lost.Count == 0)
            {
                Log.FenceClean(_logger, reason, marks.Length);
                return;
            }

            foreach ((string stream, long counter, long mark) in lost)
            {
                await _db.ScriptEvaluateAsync(PushCounterScript, [_lastKey(stream)], [mark]).ConfigureAwait(false);
                Log.LostWrites(_logger, stream, counter, mark);
            }

            Interlocked.Add(ref _regressions, lost.Count);
            await NewEpochAsync($"{reason}, and {lost.Count} streams lost acknowledged writes").ConfigureAwait(false);
        }
        finally
        {
            _fence.Release();
        }
    }

    /// <summary>The append script found a counter below this node's mark and continued past it: the store lost writes.</summary>
    public async Task OnRegressedAsync(string stream, long floor, long first)
    {
        Interlocked.Increment(ref _regressions);
        Log.SequenceRegressed(_logger, stream, floor, first);
        await NewEpochAsync($"stream '{stream}' had lost IDs up to {floor}").ConfigureAwait(false);
    }

    /// <summary>Reads the store's epoch (re-creating a lost one with <c>SET NX</c>) and adopts it.</summary>
    public async Task AdoptEpochAsync()
    {
        await _db.StringSetAsync(_epochKey, Guid.NewGuid().ToString("D"), when: When.NotExists).ConfigureAwait(false);

        // From the primary only: a lagging replica may still hold the epoch before a move, and adopting it would reset
        // every subscription twice.
        string? current = await _db.StringGetAsync(_epochKey, CommandFlags.DemandMaster).ConfigureAwait(false);
        Adopt(current);
    }

    private async Task NewEpochAsync(string reason)
    {
        string previous = _epoch;
        string proposed = Guid.NewGuid().ToString("D");
        string? current = (string?)await _db.ScriptEvaluateAsync(SwapEpochScript, [_epochKey], [previous, proposed]).ConfigureAwait(false);
        if (string.Equals(current, proposed, StringComparison.Ordinal))
        {
            Log.EpochMoved(_logger, previous, proposed, reason);
        }

        Adopt(current);
    }

    private void Adopt(string? current)
    {
        string previous = _epoch;
        if (current is not null && !string.Equals(current, previous, StringComparison.Ordinal))
        {
            _epoch = current;
            Log.EpochChanged(_logger, previous, current);
        }
    }

    private void DropReplicatedMarks(Dictionary<string, long> replicated, long now)
    {
        // The newest poll g + 1 whose offsets every replica has reached: marks of generation g and before are safe.
        long safe = 0;
        for (int i = _polls.Count - 1; i >= 0; i--)
        {
            Poll poll = _polls[i];
            bool old = _clock.GetElapsedTime(poll.Timestamp, now) >= NoReplicaMarkTime;
            bool reached = poll.Offsets.All(o => replicated.TryGetValue(o.Key, out long r) && (r == long.MaxValue ? old : r >= o.Value));
            if (reached)
            {
                safe = poll.Generation - 1;
                break;
            }
        }

        if (safe <= 0)
        {
            return;
        }

        foreach (KeyValuePair<string, Mark> mark in _marks)
        {
            if (mark.Value.Generation <= safe)
            {
                _marks.TryRemove(mark);
            }
        }
    }

    private readonly record struct Mark(long Id, long Generation, long Timestamp);

    private sealed record PrimaryState(string ReplicationId, bool HadReplicas, long Generation);

    private sealed record Poll(long Generation, long Timestamp, Dictionary<string, long> Offsets);

    /// <summary>The parts of <c>INFO replication</c> the guard reads.</summary>
    internal sealed record Replication(string ReplicationId, long Offset, IReadOnlyList<long> ReplicaOffsets, bool IsReplica = false)
    {
        public static Replication Parse(string info)
        {
            string id = "";
            long offset = 0;
            bool isReplica = false;
            List<long> replicas = [];
            foreach (string raw in info.Split('\n'))
            {
                string line = raw.TrimEnd('\r');
                if (line.StartsWith("role:", StringComparison.Ordinal))
                {
                    isReplica = line["role:".Length..] == "slave";
                }
                else if (line.StartsWith("master_replid:", StringComparison.Ordinal))
                {
                    id = line["master_replid:".Length..];
                }
                else if (line.StartsWith("master_repl_offset:", StringComparison.Ordinal))
                {
                    offset = long.Parse(line["master_repl_offset:".Length..], NumberStyles.None, CultureInfo.InvariantCulture);
                }
                else if (line.StartsWith("slave", StringComparison.Ordinal) && line.Contains(":ip=", StringComparison.Ordinal))
                {
                    // slave0:ip=127.0.0.1,port=6380,state=online,offset=1234,lag=0
                    string? state = Field(line, "state");
                    string? value = Field(line, "offset");
                    if (state == "online" && value is not null)
                    {
                        replicas.Add(long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture));
                    }
                }
            }

            return new Replication(id, offset, replicas, isReplica);
        }

        private static string? Field(string line, string name)
        {
            foreach (string part in line[(line.IndexOf(':', StringComparison.Ordinal) + 1)..].Split(','))
            {
                if (part.StartsWith(name + "=", StringComparison.Ordinal))
                {
                    return part[(name.Length + 1)..];
                }
            }

            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "Stream {Stream}: Redis's counter was below {Floor}, the highest ID this node had seen; IDs continue at {First} (Redis lost writes)")]
        public static partial void SequenceRegressed(ILogger logger, string stream, long floor, long first);

        [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "The store's epoch changed from {Previous} to {Current}; subscriptions get reset, and clients holding the old epoch get reset when they resume")]
        public static partial void EpochChanged(ILogger logger, string previous, string current);

        [LoggerMessage(EventId = 415, Level = LogLevel.Warning, Message = "Redis primary {Endpoint} changed replication ID from {Previous} to {Current} (a failover or a restart); checking for lost writes")]
        public static partial void PrimaryChanged(ILogger logger, string endpoint, string previous, string current);

        [LoggerMessage(EventId = 416, Level = LogLevel.Information, Message = "Checked for lost writes after {Reason}: all {Marks} guarded streams intact")]
        public static partial void FenceClean(ILogger logger, string reason, int marks);

        [LoggerMessage(EventId = 417, Level = LogLevel.Error, Message = "Stream {Stream}: Redis lost acknowledged writes (its counter is {Counter}, this node saw {Mark}); the counter is pushed past {Mark} so no ID is given to other data")]
        public static partial void LostWrites(ILogger logger, string stream, long counter, long mark);

        [LoggerMessage(EventId = 418, Level = LogLevel.Error, Message = "Moved the store from epoch {Previous} to {Current}: {Reason}")]
        public static partial void EpochMoved(ILogger logger, string previous, string current, string reason);

        [LoggerMessage(EventId = 419, Level = LogLevel.Warning, Message = "Checking Redis replication for lost writes failed; trying again")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
