using Herald.Testing;
using Herald.Redis.Tests.Topology;

namespace Herald.Redis.Tests;

/// <summary>
/// Issue 10: a paused replica must not stall the node. <c>WAIT</c> blocks the connection it runs on, so appends that
/// wait for replicas run on a connection of their own: reads, <c>info</c>, readiness, watches and subscriber counts
/// answer while an append waits for the paused replica.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class PausedReplicaTests
{
    // Far longer than anything the other calls need, so "still waiting" below is not a race.
    private static readonly TimeSpan s_replicaWait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task WaitReplicasOn_ReplicaPaused_InfoReadsReadinessWatchAndCountsAnswerWhileTheAppendWaitsThenItCompletes()
    {
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 1);
        await using RedisEventLog log = await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Configuration) { WaitReplicas = 1, WaitReplicasTimeout = s_replicaWait });
        Assert.Equal(1, (await log.AppendAsync("warm", [new EventData(null, "a"u8.ToArray())], null, CancellationToken.None)).Last);

        await redis.Replicas[0].PauseAsync();
        Task<AppendResult> waiting = log.AppendAsync("slow", [new EventData(null, "b"u8.ToArray())], null, CancellationToken.None);
        var observer = new RecordingAppendObserver();
        StreamInfo info = await log.GetInfoAsync("warm", CancellationToken.None);
        IReadOnlyList<StoredEvent> read = await log.ReadAsync("warm", 0, 10, CancellationToken.None);
        bool ready = await log.IsReadyAsync(CancellationToken.None);
        using IDisposable watch = log.Watch("other", observer);
        IReadOnlyList<long> counts = await log.CountSubscribersAsync(["warm"], CancellationToken.None);
        bool stillWaiting = !waiting.IsCompleted;
        await redis.Replicas[0].ResumeAsync();
        AppendResult appended = await waiting.WaitAsync(s_replicaWait * 2);

        Assert.True(stillWaiting, "the append completed while its replica was paused");
        Assert.Equal(new StreamInfo(1, 1), info);
        Assert.Single(read);
        Assert.True(ready);
        Assert.Equal([0L], counts);
        Assert.Equal(new AppendResult(1, 1, Replayed: false), appended);
    }

    [Fact]
    public async Task WaitReplicasOff_ReplicaPaused_AppendsAreAcknowledgedAsUsual()
    {
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 1);
        await using RedisEventLog log = await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Configuration));

        await redis.Replicas[0].PauseAsync();
        AppendResult first = await log.AppendAsync("s", [new EventData(null, "a"u8.ToArray())], null, CancellationToken.None);
        AppendResult second = await log.AppendAsync("t", [new EventData(null, "b"u8.ToArray())], null, CancellationToken.None);
        await redis.Replicas[0].ResumeAsync();

        Assert.Equal(new AppendResult(1, 1, Replayed: false), first);
        Assert.Equal(new AppendResult(1, 1, Replayed: false), second);
    }
}
