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
    public static HeraldBuilder UseRedis(this HeraldBuilder builder, string uri, Func<RedisEventLogOptions, RedisEventLogOptions>? configure = null)
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
