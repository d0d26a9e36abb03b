using Herald.Testing;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>An application can hand the store its own <see cref="IConnectionMultiplexer"/>; the store shares it and leaves it open.</summary>
public sealed class OwnConnectionTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task OpenWithTheApplicationsConnection_AppendsReadsAndWatchesOnIt_AndLeavesItOpenWhenDisposed()
    {
        await using ConnectionMultiplexer own = await ConnectionMultiplexer.ConnectAsync(redis.Server.Configuration);
        string prefix = $"own-{Guid.NewGuid():N}";
        var observer = new RecordingAppendObserver();
        await using (RedisEventLog log = await RedisEventLog.OpenAsync(new RedisEventLogOptions(redis.Server.Configuration) { KeyPrefix = prefix, Connection = () => Task.FromResult<IConnectionMultiplexer>(own) }))
        {
            using IDisposable watch = log.Watch("s", observer);
            await log.AppendAsync("s", [new EventData(null, "a"u8.ToArray())], null, CancellationToken.None);
            await log.AppendAsync("s", [new EventData(null, "b"u8.ToArray())], null, CancellationToken.None);
            await observer.WaitForAsync(2);
            Assert.Equal(2, (await log.ReadAsync("s", 0, 10, CancellationToken.None)).Count);
        }

        // The store wrote through the application's connection, and the application can still use it afterwards.
        Assert.True(own.IsConnected);
        Assert.Equal("2", (string?)await own.GetDatabase().StringGetAsync($"{prefix}:{{s}}:last"));
        Assert.Equal([1L, 2L], observer.Events.Select(e => e.Id));
    }
}
