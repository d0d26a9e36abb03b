using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>
/// How the store reads a failed Redis command: which failures it answers as "Redis failed" (503) rather than letting them
/// escape, and which failed appends certainly did nothing ("nothing was appended") rather than "it may have been appended".
/// </summary>
public sealed class RedisFailuresTests
{
    public static TheoryData<Exception> CommandFailures => new()
    {
        new RedisConnectionException(ConnectionFailureType.SocketFailure, CommandFlags.None, "socket closed", null, CommandStatus.Sent),
        new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response", CommandStatus.Sent),
        new RedisServerException(RedisErrorKind.ReadOnly, CommandFlags.None, "READONLY You can't write against a read only replica."),
        new RedisCommandException("Command cannot be issued to a replica: EVALSHA"),
        new TimeoutException("The operation has timed out."),
    };

    [Theory]
    [MemberData(nameof(CommandFailures))]
    public void IsCommandFailure_EveryWayACommandFails(Exception failure) => Assert.True(RedisFailures.IsCommandFailure(failure));

    [Fact]
    public void IsCommandFailure_NotABugOfOurOwn() => Assert.False(RedisFailures.IsCommandFailure(new InvalidCastException()));

    [Fact]
    public void WasNotSent_ACommandTheLibraryWouldNotRouteToAReplica() =>
        Assert.True(RedisFailures.WasNotSent(new RedisCommandException("Command cannot be issued to a replica: EVALSHA")));

    [Fact]
    public void WasNotSent_AReplicasReadOnlyRefusal() =>
        Assert.True(RedisFailures.WasNotSent(new RedisServerException(RedisErrorKind.ReadOnly, CommandFlags.None, "READONLY You can't write against a read only replica.")));

    [Fact]
    public void WasNotSent_NoConnectionToSendItOn()
    {
        Assert.True(RedisFailures.WasNotSent(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "It was not possible to connect", null, CommandStatus.Unknown)));
        Assert.True(RedisFailures.WasNotSent(new RedisConnectionException(ConnectionFailureType.None, CommandFlags.None, "No connection is active/available to service this operation: EVALSHA", null, CommandStatus.Unknown)));
    }

    [Theory]
    [InlineData(CommandStatus.Sent)]
    [InlineData(CommandStatus.Unknown)]
    public void WasNotSent_FalseForACommandSentAndNotAnswered(CommandStatus status) =>
        Assert.False(RedisFailures.WasNotSent(new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response", status)));

    [Fact]
    public void WasNotSent_FalseForAConnectionLostAfterSending() =>
        Assert.False(RedisFailures.WasNotSent(new RedisConnectionException(ConnectionFailureType.SocketClosed, CommandFlags.None, "socket closed while the reply was awaited", null, CommandStatus.Unknown)));

    [Fact]
    public void WasNotSent_FalseForAnotherServerError() =>
        Assert.False(RedisFailures.WasNotSent(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR Error running script")));

    [Fact]
    public void PrimaryMayHaveMoved_AReplicasRefusalOrARouteTheLibraryRefused()
    {
        Assert.True(RedisFailures.PrimaryMayHaveMoved(new RedisServerException(RedisErrorKind.ReadOnly, CommandFlags.None, "READONLY You can't write against a read only replica.")));
        Assert.True(RedisFailures.PrimaryMayHaveMoved(new RedisCommandException("Command cannot be issued to a replica: EVALSHA")));
    }

    [Fact]
    public void PrimaryMayHaveMoved_NotForALostConnectionATimeoutOrAScriptError()
    {
        // A lost connection is the library's own reconnect to handle; asking who leads on every timeout would flood the
        // servers with discovery during a slow spell.
        Assert.False(RedisFailures.PrimaryMayHaveMoved(new RedisConnectionException(ConnectionFailureType.UnableToConnect, CommandFlags.None, "It was not possible to connect", null, CommandStatus.Unknown)));
        Assert.False(RedisFailures.PrimaryMayHaveMoved(new RedisTimeoutException(CommandFlags.None, "Timeout awaiting response", CommandStatus.Sent)));
        Assert.False(RedisFailures.PrimaryMayHaveMoved(new RedisServerException(RedisErrorKind.UnknownError, CommandFlags.None, "ERR Error running script")));
    }
}
