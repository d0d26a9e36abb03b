using Herald.Testing;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>
/// The Redis store against the shared suite on a real 3-primary Redis Cluster: the stream's keys must share a slot (the
/// append script's keys), the index, the epoch and the change-feed channels live on whichever shard owns them. Each created
/// store has its own key prefix on the one cluster, so stores are independent. Run alone: three redis-servers and the
/// suite's concurrent appenders compete for the same two cores as the server-process tests.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed class ClusterConformanceTests(RedisClusterFixture fixture) : PersistentEventLogConformanceTests, IClassFixture<RedisClusterFixture>
{
    private int _created;
    private string? _lastPrefix;

    protected override async Task<IEventLog> CreateLogAsync(EventLogOptions options)
    {
        _lastPrefix = $"c{Guid.NewGuid():N}-{++_created}";
        return await OpenAsync(options);
    }

    protected override Task<IEventLog> ReopenLogAsync(EventLogOptions options) => OpenAsync(options);

    /// <summary>The prefix's keys are spread over the primaries: each is scanned, and each key deleted on its own (a multi-key DEL across slots is refused).</summary>
    protected override async Task DeleteStoreAsync()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(fixture.Cluster.Configuration);
        RedisKey[] keys = [.. connection.GetServers().Where(server => !server.IsReplica).SelectMany(server => server.Keys(pattern: LastPrefix + ":*"))];
        Assert.NotEmpty(keys);
        IDatabase database = connection.GetDatabase();
        bool[] deleted = await Task.WhenAll(keys.Select(key => database.KeyDeleteAsync(key)));
        Assert.All(deleted, Assert.True);
    }

    private async Task<IEventLog> OpenAsync(EventLogOptions options) =>
        await RedisEventLog.OpenAsync(new RedisEventLogOptions(fixture.Cluster.Configuration) { Log = options, KeyPrefix = LastPrefix });

    private string LastPrefix => _lastPrefix ?? throw new InvalidOperationException("No store was created yet.");
}
