using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Herald;

/// <summary>Chooses the Redis store, for several Herald nodes sharing one log.</summary>
public static class RedisHeraldBuilderExtensions
{
    /// <summary>
    /// Keeps the log in Redis at <paramref name="uri"/> (<c>redis://[[user]:password@]host[:port][,host[:port]…][/db]</c>,
    /// <c>rediss://</c> for TLS; see <see cref="RedisUri"/>). Every node of a deployment must name the same Redis.
    /// <paramref name="configure"/> adjusts the options (timeouts, <see cref="RedisEventLogOptions.WaitReplicas"/>, key prefix).
    /// </summary>
    public static HeraldBuilder UseRedis(this HeraldBuilder builder, string uri, Func<RedisEventLogOptions, RedisEventLogOptions>? configure = null) =>
        UseRedisCore(builder, uri, connection: null, configure);

    /// <summary>
    /// Keeps the log in Redis at <paramref name="uri"/>, sharing the application's own connection: <paramref name="connection"/>
    /// returns it from the application's services (for example <c>sp =&gt; sp.GetRequiredService&lt;IConnectionMultiplexer&gt;()</c>),
    /// as ASP.NET Core's Redis cache takes one. The store does not dispose it. <paramref name="uri"/> must name the same
    /// deployment: it is still used for the connection of <see cref="RedisEventLogOptions.WaitReplicas"/>.
    /// </summary>
    public static HeraldBuilder UseRedisConnection(this HeraldBuilder builder, Func<IServiceProvider, StackExchange.Redis.IConnectionMultiplexer> connection, string uri, Func<RedisEventLogOptions, RedisEventLogOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(connection);
        return UseRedisCore(builder, uri, connection, configure);
    }

    private static HeraldBuilder UseRedisCore(HeraldBuilder builder, string uri, Func<IServiceProvider, StackExchange.Redis.IConnectionMultiplexer>? connection, Func<RedisEventLogOptions, RedisEventLogOptions>? configure)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(uri);
        StackExchange.Redis.ConfigurationOptions configuration = RedisUri.Parse(uri);
        return builder.UseStore(sp =>
        {
            HeraldOptions options = sp.GetRequiredService<IOptions<HeraldOptions>>().Value;
            RedisEventLogOptions redis = new(configuration)
            {
                Log = options.ToEventLogOptions(sp.GetRequiredService<TimeProvider>()),
                Connection = connection is null ? null : () => Task.FromResult(connection(sp)),
            };
            if (configure is not null)
            {
                redis = configure(redis);
            }

            // Opened once, at host start (HeraldLifetime resolves it); nothing is awaited on a request path here.
            return RedisEventLog.OpenAsync(redis, sp.GetService<ILogger<RedisEventLog>>()).GetAwaiter().GetResult();
        });
    }
}
