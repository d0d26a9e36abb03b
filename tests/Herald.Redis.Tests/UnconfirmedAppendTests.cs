using System.Globalization;
using Herald.Redis.Tests.Topology;
using Herald.Testing;
using Herald.Testing.Infrastructure;

namespace Herald.Redis.Tests;

/// <summary>
/// With <see cref="RedisEventLogOptions.WaitReplicas"/>, an append the replicas have not confirmed is in the primary's log
/// but not durable: a failover can still take it back, and then its IDs go to other data. So no node may show it to
/// anyone — not in a read, not in <c>last</c>, not to a watcher — until a replica holds it. (Found by the CI run of
/// <c>herald-bench verify --chaos --store redis</c>: a node's change feed read the log to its end, delivered appends that were
/// still waiting for the replica, a failover lost them, and every subscriber got <c>reset</c>.)
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class UnconfirmedAppendTests
{
    // Short, so that an append to a paused replica is refused quickly; the wait for the repair is bounded separately.
    private static readonly TimeSpan s_replicaWait = TimeSpan.FromMilliseconds(300);

    [Fact]
    public async Task WaitReplicas_AppendTheReplicaHasNotConfirmed_IsNotReadListedOrDeliveredUntilTheReplicaHoldsIt()
    {
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 1);
        await using RedisEventLog a = await RedisEventLog.OpenAsync(Options(redis));
        await using RedisEventLog b = await RedisEventLog.OpenAsync(Options(redis));
        Assert.Equal(1, (await AppendUntilConfirmedAsync(a, "s", "confirmed")).Last);

        await redis.Replicas[0].PauseAsync();
        EventLogUnavailableException refused = await Assert.ThrowsAsync<EventLogUnavailableException>(
            () => a.AppendAsync("s", [Event("unconfirmed")], null, CancellationToken.None));
        StreamInfo info = await b.GetInfoAsync("s", CancellationToken.None);
        IReadOnlyList<StoredEvent> read = await b.ReadAsync("s", 0, 10, CancellationToken.None);
        IReadOnlyList<StoredEvent> page = await b.ReadAsync("s", 0, 10, 1 << 20, CancellationToken.None);
        IReadOnlyList<StreamSummary> listed = await b.ListStreamsAsync(null, 10, CancellationToken.None);
        var observer = new RecordingAppendObserver();
        using IDisposable watch = b.Watch("s", observer);
        await observer.WaitForAsync(1);
        StoredEvent[] whilePaused = observer.Events;

        Assert.True(refused.OutcomeUnknown);
        Assert.Equal(new StreamInfo(1, 1) { Allocated = 2 }, info);
        Assert.Equal([1L], read.Select(e => e.Id));
        Assert.Equal([1L], page.Select(e => e.Id));
        Assert.Equal(1, Assert.Single(listed).Last);
        Assert.Equal([1L], whilePaused.Select(e => e.Id));

        // Once the replica holds it, it is an event like any other: every node shows it, with no further append.
        await redis.Replicas[0].ResumeAsync();
        await observer.WaitForAsync(2);
        Assert.Equal(["confirmed", "unconfirmed"], observer.Events.Select(e => Text(e.Data)));
        Assert.Equal(["confirmed", "unconfirmed"], (await a.ReadAsync("s", 0, 10, CancellationToken.None)).Select(e => Text(e.Data)));
        Assert.Equal(2, (await a.GetInfoAsync("s", CancellationToken.None)).Last);
    }

    [Fact]
    public async Task WaitReplicas_FailoverLosesAnAppendNoReplicaConfirmed_NoNodeHadShownItSoIdsContinueWithoutAReset()
    {
        // Two replicas: the promoted one gets a replica of its own again, so appends can be confirmed afterwards.
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 2);
        await using RedisEventLog a = await RedisEventLog.OpenAsync(Options(redis));
        await using RedisEventLog b = await RedisEventLog.OpenAsync(Options(redis));
        var watching = new RecordingAppendObserver();
        using IDisposable watch = b.Watch("s", watching);
        Assert.Equal(1, (await AppendUntilConfirmedAsync(a, "s", "confirmed")).Last);
        await watching.WaitForAsync(1);
        string epoch = a.Epoch;

        // WAIT 1 returns when one of the two replicas holds it; the one promoted below must hold it too, or the failover
        // loses a confirmed append (which the guard rightly answers with a new epoch), not only the unconfirmed one.
        await redis.WaitReplicatedAsync();

        // Detached, not paused: a paused replica still receives the write into its socket buffer and applies it on resuming.
        await redis.DetachReplicaAsync(0);
        await redis.DetachReplicaAsync(1);
        await Assert.ThrowsAsync<EventLogUnavailableException>(() => a.AppendAsync("s", [Event("lost")], null, CancellationToken.None));

        // A node that starts watching now reads the stream's state from the primary, which holds the unconfirmed append.
        await using RedisEventLog c = await RedisEventLog.OpenAsync(Options(redis));
        var late = new RecordingAppendObserver();
        using IDisposable lateWatch = c.Watch("s", late);
        await late.WaitForAsync(1);
        IReadOnlyList<StoredEvent> catchUp = await c.ReadAsync("s", 0, 10, 1 << 20, CancellationToken.None);

        await redis.KillPrimaryAsync();
        await redis.PromoteAsync(0);
        await redis.Replicas[1].CommandAsync("REPLICAOF", "127.0.0.1", redis.Replicas[0].Port.ToString(CultureInfo.InvariantCulture));
        AppendResult after = await AppendUntilConfirmedAsync(a, "s", "after");
        foreach (RedisEventLog node in (RedisEventLog[])[a, b, c])
        {
            await node.CheckReplicationAsync(); // the failover guard's check, now instead of at its next interval
        }

        await watching.WaitForAsync(2);
        await late.WaitForAsync(2);

        Assert.Equal([1L], catchUp.Select(e => e.Id));
        Assert.Equal(2, after.First);
        Assert.All((RedisEventLog[])[a, b, c], node => Assert.Equal(epoch, node.Epoch));
        Assert.All((RedisEventLog[])[a, b, c], node => Assert.Equal(0, node.SequenceRegressions));
        Assert.Equal(["confirmed", "after"], watching.Events.Select(e => Text(e.Data)));
        Assert.Equal(["confirmed", "after"], late.Events.Select(e => Text(e.Data)));
    }

    private static RedisEventLogOptions Options(RedisReplicaSet redis) =>
        new(redis.Configuration) { WaitReplicas = 1, WaitReplicasTimeout = s_replicaWait };

    private static EventData Event(string text) => new(null, System.Text.Encoding.UTF8.GetBytes(text));

    private static string Text(ReadOnlyMemory<byte> data) => System.Text.Encoding.UTF8.GetString(data.Span);

    /// <summary>
    /// Appends, again with the same Idempotency-Key until the replicas confirm it: on a loaded machine a replica can take
    /// longer than the short wait, and after a failover the node has to find the promoted replica first. Bounded by
    /// <see cref="TestTimeouts.Bulk"/>.
    /// </summary>
    private static async Task<AppendResult> AppendUntilConfirmedAsync(RedisEventLog log, string stream, string text)
    {
        AppendResult? result = null;
        await Polling.WaitUntilAsync(async () =>
        {
            try
            {
                result = await log.AppendAsync(stream, [Event(text)], "once-" + text, CancellationToken.None);
                return true;
            }
            catch (EventLogUnavailableException)
            {
                return false;
            }
        }, $"the replicas to confirm '{text}'");
        return result!.Value;
    }
}
