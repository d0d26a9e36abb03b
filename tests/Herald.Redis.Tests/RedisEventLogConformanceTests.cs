using Herald.Testing;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>The Redis store against the shared suite. Each created store has its own key prefix on one redis-server, so stores are independent.</summary>
public sealed class RedisEventLogConformanceTests(RedisServerFixture redis) : PersistentEventLogConformanceTests, IClassFixture<RedisServerFixture>
{
    private int _created;
    private string? _lastPrefix;

    protected override async Task<IEventLog> CreateLogAsync(EventLogOptions options)
    {
        _lastPrefix = $"t{Guid.NewGuid():N}-{++_created}";
        return await OpenAsync(options);
    }

    protected override Task<IEventLog> ReopenLogAsync(EventLogOptions options) => OpenAsync(options);

    protected override async Task DeleteStoreAsync()
    {
        await using ConnectionMultiplexer connection = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        IServer server = connection.GetServers()[0];
        RedisKey[] keys = server.Keys(pattern: LastPrefix + ":*").ToArray();
        Assert.NotEmpty(keys);
        await connection.GetDatabase().KeyDeleteAsync(keys);
    }

    private async Task<IEventLog> OpenAsync(EventLogOptions options) =>
        await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Server.Configuration) { Log = options, KeyPrefix = LastPrefix });

    private string LastPrefix => _lastPrefix ?? throw new InvalidOperationException("No store was created yet.");
}
