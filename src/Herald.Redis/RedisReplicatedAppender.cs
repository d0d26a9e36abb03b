using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using StackExchange.Redis;

namespace Herald;

/// <summary>
/// Appends that must reach replicas before they are acknowledged (<see cref="RedisEventLogOptions.WaitReplicas"/>),
/// run on a connection of their own: <c>WAIT</c> blocks the connection it is sent on, so on the shared one a slow
/// replica would stall every other command of the node (reads, <c>/readyz</c>, the change feed).
/// </summary>
/// <remarks>
/// <c>WAIT</c> waits for the writes of the connection it runs on, so the append script runs there too. Appends are
/// grouped: each round sends every waiting script call to the primary that owns its stream's slot, then one
/// <c>WAIT</c> on that primary, which covers the whole round (group commit, as the SQLite writer does with fsync). So a
/// paused replica costs each append at most two rounds of <see cref="RedisEventLogOptions.WaitReplicasTimeout"/>,
/// however many are queued, and a replayed idempotency key waits like a new append: the original may not be
/// replicated yet.
/// </remarks>
internal sealed partial class RedisReplicatedAppender : IAsyncDisposable
{
    private const int MaxPerRound = 512;

    private readonly Channel<Pending> _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
    private readonly ConnectionMultiplexer _connection;
    private readonly RedisEventLogOptions _options;
    private readonly ILogger _logger;
    private readonly int? _database;
    private readonly Task _loop;
    private readonly PrimaryRediscovery _rediscovery;

    private RedisReplicatedAppender(ConnectionMultiplexer connection, RedisEventLogOptions options, ILogger logger)
    {
        _connection = connection;
        _rediscovery = new PrimaryRediscovery(connection, options.Log.TimeProvider);
        _options = options;
        _logger = logger;
        _database = options.Configuration.DefaultDatabase;
        _loop = Task.Run(RunAsync);
    }

    public static async Task<RedisReplicatedAppender> OpenAsync(RedisEventLogOptions options, ILogger logger)
    {
        ConfigurationOptions config = RedisEventLog.Configure(options, options.WaitReplicasTimeout + options.OperationTimeout, failFast: true);
        config.ClientName = "herald-ack";

        // No pub/sub here: one connection per primary, not two.
        config.CommandMap = CommandMap.Create(new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "SUBSCRIBE", "SSUBSCRIBE", "PSUBSCRIBE" }, available: false);
        ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(config).ConfigureAwait(false);
        return new RedisReplicatedAppender(connection, options, logger);
    }

    /// <summary>Runs the script with <paramref name="keys"/> and <paramref name="args"/>; completes once the replicas hold the result.</summary>
    public Task<RedisResult> AppendAsync(string stream, byte[] scriptSha, RedisKey[] keys, RedisValue[] args)
    {
        var command = new List<object>(2 + keys.Length + args.Length) { Convert.ToHexStringLower(scriptSha), keys.Length };
        command.AddRange(keys.Select(k => (object)k));
        command.AddRange(args.Select(a => (object)a));
        var pending = new Pending(stream, keys[0], command, new TaskCompletionSource<RedisResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (!_queue.Writer.TryWrite(pending))
        {
            throw new EventLogUnavailableException("The Redis store is shut down.");
        }

        return pending.Done.Task;
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        try
        {
            await _loop.WaitAsync(_options.WaitReplicasTimeout + _options.OperationTimeout).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Each round is bounded by the command timeout; the callers see their own failures.
        }

        await _connection.DisposeAsync().ConfigureAwait(false);
    }

    private async Task RunAsync()
    {
        List<Pending> round = [];
        while (await _queue.Reader.WaitToReadAsync().ConfigureAwait(false))
        {
            round.Clear();
            while (round.Count < MaxPerRound && _queue.Reader.TryRead(out Pending? pending))
            {
                round.Add(pending);
            }

            try
            {
                // One group per primary: WAIT covers the writes of its own connection only.
                List<Task> groups = [];
                foreach (IGrouping<IServer?, Pending> group in round.GroupBy(p => ServerFor(p.Key)))
                {
                    groups.Add(RunGroupAsync(group.Key, [.. group]));
                }

                await Task.WhenAll(groups).ConfigureAwait(false);
            }
#pragma warning disable CA1031 // Whatever went wrong with this round, the loop must go on, or every later append would hang.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                Log.RoundFailed(_logger, ex);
                foreach (Pending pending in round)
                {
                    pending.Done.TrySetException(new EventLogUnavailableException(
                        $"Appending to '{pending.Stream}' in Redis did not complete: {ex.Message}. It may have been appended; retry with the same Idempotency-Key.", ex) { OutcomeUnknown = true });
                }
            }
        }
    }

    /// <summary>
    /// A command to the primary; one the library refuses at once (the server has just turned out to be a replica) becomes
    /// that command's failure, so that the commands sent before it are still answered for what they did.
    /// </summary>
    private Task<RedisResult> Send(IServer server, string command, ICollection<object> arguments)
    {
        try
        {
            return server.ExecuteAsync(_database, command, arguments, CommandFlags.DemandMaster);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
        {
            return Task.FromException<RedisResult>(ex);
        }
    }

    private IServer? ServerFor(RedisKey key)
    {
        try
        {
            return _connection.GetServer(key);
        }
        catch (Exception ex) when (ex is RedisException or InvalidOperationException or NotSupportedException or ArgumentException)
        {
            return null;
        }
    }

    private async Task RunGroupAsync(IServer? server, Pending[] group)
    {
        if (server is null || !server.IsConnected || server.IsReplica)
        {
            _ = _rediscovery.RequestAsync(); // the primary is gone: who leads now? (not awaited: this round fails at once)

            foreach (Pending pending in group)
            {
                pending.Done.TrySetException(new EventLogUnavailableException("No Redis primary is connected for this stream; nothing was appended."));
            }

            return;
        }

        Task<RedisResult>[] scripts = [.. group.Select(p => Send(server, "EVALSHA", p.Command))];
        long timeoutMs = (long)_options.WaitReplicasTimeout.TotalMilliseconds;
        Task<RedisResult> wait = Send(server, "WAIT", [_options.WaitReplicas, timeoutMs]);
        long acknowledged = -1;
        Exception? waitFailed = null;
        try
        {
            acknowledged = (long)await wait.ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsCommandFailure(ex) || ex is InvalidCastException)
        {
            waitFailed = ex;
        }

        for (int i = 0; i < group.Length; i++)
        {
            Pending pending = group[i];
            RedisResult result;
            try
            {
                result = await scripts[i].ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsCommandFailure(ex))
            {
                if (RedisFailures.PrimaryMayHaveMoved(ex))
                {
                    _ = _rediscovery.RequestAsync();
                }

                // Surfaced to AppendCoreAsync, which tells "not sent" from "may have run" (and retries NOSCRIPT).
                pending.Done.TrySetException(ex);
                continue;
            }

            if (waitFailed is not null || acknowledged < _options.WaitReplicas)
            {
                Log.ReplicasLate(_logger, pending.Stream, Math.Max(0, acknowledged), _options.WaitReplicas, timeoutMs);
                pending.Done.TrySetException(new EventLogUnavailableException(
                    $"The append to '{pending.Stream}' reached the Redis primary, but only {Math.Max(0, acknowledged)} of {_options.WaitReplicas} replicas confirmed it within {timeoutMs} ms: " +
                    "it may have been appended and may be lost in a failover. Retry with the same Idempotency-Key.",
                    waitFailed) { OutcomeUnknown = true });
                continue;
            }

            pending.Done.TrySetResult(result);
        }
    }

    private sealed record Pending(string Stream, RedisKey Key, List<object> Command, TaskCompletionSource<RedisResult> Done);

    private static partial class Log
    {
        [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Stream {Stream}: only {Acknowledged} of {Wanted} replicas acknowledged the append within {TimeoutMs} ms; answered 503, it may have been appended")]
        public static partial void ReplicasLate(ILogger logger, string stream, long acknowledged, int wanted, long timeoutMs);

        [LoggerMessage(EventId = 424, Level = LogLevel.Error, Message = "A round of replicated appends failed; its appends are answered 503 (they may have been appended)")]
        public static partial void RoundFailed(ILogger logger, Exception exception);
    }
}
