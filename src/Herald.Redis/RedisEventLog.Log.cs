using Microsoft.Extensions.Logging;

namespace Herald;

public sealed partial class RedisEventLog
{
    // Event IDs 400–419 belong to the Redis store. Never renumber or rename a released one: users alert on them.
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

        [LoggerMessage(EventId = 405, Level = LogLevel.Warning, Message = "Stream {Stream}: Redis's counter was below {Floor}, the highest ID this node had seen; IDs continue at {First} (Redis lost writes)")]
        public static partial void SequenceRegressed(ILogger logger, string stream, long floor, long first);

        [LoggerMessage(EventId = 406, Level = LogLevel.Warning, Message = "Stream {Stream}: only {Acknowledged} of {Wanted} replicas acknowledged the append within {TimeoutMs} ms; answered as unavailable")]
        public static partial void ReplicasLate(ILogger logger, string stream, long acknowledged, int wanted, long timeoutMs);

        [LoggerMessage(EventId = 407, Level = LogLevel.Warning, Message = "Stream {Stream}: the reader had not delivered up to {Last} within the operation timeout; acknowledging the durable append anyway")]
        public static partial void DeliveryLate(ILogger logger, string stream, long last);

        [LoggerMessage(EventId = 408, Level = LogLevel.Debug, Message = "Reader for stream {Stream} started")]
        public static partial void ReaderStarted(ILogger logger, string stream);

        [LoggerMessage(EventId = 409, Level = LogLevel.Debug, Message = "Reader for stream {Stream} stopped")]
        public static partial void ReaderStopped(ILogger logger, string stream);

        [LoggerMessage(EventId = 410, Level = LogLevel.Warning, Message = "Reader for stream {Stream} cannot read Redis; retrying")]
        public static partial void ReaderFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(EventId = 411, Level = LogLevel.Information, Message = "Reader for stream {Stream} reads Redis again, after {Position}")]
        public static partial void ReaderRecovered(ILogger logger, string stream, long position);

        [LoggerMessage(EventId = 414, Level = LogLevel.Warning, Message = "Closing the reader connection of stream {Stream} failed; the reader stops anyway")]
        public static partial void ReaderCloseFailed(ILogger logger, Exception exception, string stream);

        [LoggerMessage(EventId = 413, Level = LogLevel.Warning, Message = "Redis lost the store's epoch {Previous} (flushed or restarted without persistence); the store's epoch is now {Current}, and clients holding the old one get reset")]
        public static partial void EpochChanged(ILogger logger, string previous, string current);

        [LoggerMessage(EventId = 412, Level = LogLevel.Error, Message = "An Appended handler threw for stream {Stream}; handlers must not throw")]
        public static partial void AppendedHandlerFailed(ILogger logger, Exception exception, string stream);
    }
}
