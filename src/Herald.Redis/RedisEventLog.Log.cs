using Microsoft.Extensions.Logging;

namespace Herald;

public sealed partial class RedisEventLog
{
    // Event IDs 400–439 belong to the Redis store. Never renumber or rename a released one: users alert on them.
    private static partial class Log
    {
        [LoggerMessage(EventId = 400, Level = LogLevel.Information, Message = "Opened Redis store at {Endpoints} (key prefix {KeyPrefix}, epoch {Epoch}, wait replicas {WaitReplicas})")]
        public static partial void Opened(ILogger logger, string endpoints, string keyPrefix, string epoch, int waitReplicas);

        [LoggerMessage(EventId = 401, Level = LogLevel.Information, Message = "Closed Redis store at {Endpoints}")]
        public static partial void Closed(ILogger logger, string endpoints);

        [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "Redis {Endpoint} has {Setting} {Value}, not {Wanted}: {Risk}")]
        public static partial void PersistenceWarning(ILogger logger, string endpoint, string setting, string value, string wanted, string risk);

        [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "Could not read the persistence settings of Redis {Endpoint} ({Reason}); check appendonly, appendfsync and maxmemory-policy by hand")]
        public static partial void ConfigUnchecked(ILogger logger, string endpoint, string reason);

        [LoggerMessage(EventId = 404, Level = LogLevel.Error, Message = "Append of {Events} events to {Stream} in Redis failed")]
        public static partial void AppendFailed(ILogger logger, Exception exception, string stream, int events);

        [LoggerMessage(EventId = 427, Level = LogLevel.Warning, Message = "Stream {Stream}: confirming the appends the replicas hold did not complete; readers see the stream up to its committed mark until it does")]
        public static partial void ConfirmFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(EventId = 428, Level = LogLevel.Information, Message = "Stream {Stream}: committed up to {Committed} after the replicas confirmed it")]
        public static partial void Confirmed(ILogger logger, string stream, long committed);

        [LoggerMessage(EventId = 414, Level = LogLevel.Warning, Message = "Closing the Redis connections failed; the store stops anyway")]
        public static partial void CloseFailed(ILogger logger, Exception exception);
    }
}
