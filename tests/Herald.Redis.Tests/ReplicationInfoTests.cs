using Herald.Redis.Tests.Topology;

namespace Herald.Redis.Tests;

/// <summary>
/// What the failover guard reads from <c>INFO replication</c>, parsed from the answers of real redis-server processes:
/// a primary with one replica, and a primary demoted in place by <c>REPLICAOF</c> (a switchover), which the connection
/// still takes for the primary until it is asked again who leads.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ReplicationInfoTests
{
    [Fact]
    public async Task Parse_PrimaryWithAReplica_ReportsItsOffsetAndTheReplicasAndIsNotAReplica()
    {
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 1);
        await redis.Primary.CommandAsync("SET", "k", "v");
        await redis.WaitReplicatedAsync();

        RedisFailoverGuard.Replication primary = RedisFailoverGuard.Replication.Parse(await redis.Primary.CommandAsync("INFO", "replication"));

        Assert.False(primary.IsReplica);
        Assert.Equal(40, primary.ReplicationId.Length);
        Assert.True(primary.Offset > 0, $"offset {primary.Offset}");
        // The primary's view of its replica's offset is the last acknowledgement, sent once a second: at most its own.
        Assert.InRange(Assert.Single(primary.ReplicaOffsets), 0, primary.Offset);
    }

    [Fact]
    public async Task Parse_PrimaryDemotedInPlace_IsAReplica()
    {
        await using RedisReplicaSet redis = await RedisReplicaSet.StartAsync(replicas: 1);
        await redis.PromoteAsync(0);
        await redis.Primary.CommandAsync("REPLICAOF", "127.0.0.1", redis.Replicas[0].Port.ToString(System.Globalization.CultureInfo.InvariantCulture));

        RedisFailoverGuard.Replication demoted = RedisFailoverGuard.Replication.Parse(await redis.Primary.CommandAsync("INFO", "replication"));
        RedisFailoverGuard.Replication promoted = RedisFailoverGuard.Replication.Parse(await redis.Replicas[0].CommandAsync("INFO", "replication"));

        Assert.True(demoted.IsReplica);
        Assert.False(promoted.IsReplica);
    }
}
