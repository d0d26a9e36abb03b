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

    /// <summary>
    /// Whether a failed write certainly did nothing: it could not be sent (no connection), the library refused to route it
    /// (<see cref="RedisCommandException"/>), or a replica refused it (<c>-READONLY</c>). One that was sent and not answered
    /// in time may have run (docs/protocol.md "Operations").
    /// </summary>
    public static bool WasNotSent(Exception ex) =>
        PrimaryMayHaveMoved(ex) ||
        ex is RedisConnectionException { FailureType: ConnectionFailureType.UnableToConnect } ||
        (ex is RedisConnectionException && ex.Message.Contains("No connection is active", StringComparison.Ordinal));

    /// <summary>
    /// Whether a failed command says the server the connection takes for the primary no longer is one: it answered
    /// <c>-READONLY</c> (demoted in place, a switchover), or the library refused to route the command to it
    /// (<see cref="RedisCommandException"/>, it has just learned so). Either way, ask who leads now rather than wait for the
    /// library's next check (a minute).
    /// </summary>
    public static bool PrimaryMayHaveMoved(Exception ex) => IsReadOnlyReply(ex) || ex is RedisCommandException;

    /// <summary>A replica's refusal of a write (<c>-READONLY</c>): the command did nothing.</summary>
    public static bool IsReadOnlyReply(Exception ex) =>
        ex is RedisServerException && ex.Message.StartsWith("READONLY", StringComparison.Ordinal);
}
