using StackExchange.Redis;

namespace Herald;

/// <summary>How a Redis command fails, as the store tells it apart.</summary>
internal static class RedisFailures
{
    /// <summary>
    /// A Redis command that failed: the connection or the server (<see cref="RedisException"/>), a timeout, or a command the
    /// library refused to route (<see cref="RedisCommandException"/>, which is not a <see cref="RedisException"/>): a read for
    /// the primary only, queued to a server that the connection has since learned is a replica.
    /// </summary>
    public static bool IsCommandFailure(Exception ex) => ex is RedisException or RedisCommandException or TimeoutException;

    /// <summary>A replica's refusal of a write (<c>-READONLY</c>): the command did nothing.</summary>
    public static bool IsReadOnlyReply(Exception ex) =>
        ex is RedisServerException && ex.Message.StartsWith("READONLY", StringComparison.Ordinal);
}
