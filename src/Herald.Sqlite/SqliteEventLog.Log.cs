using Microsoft.Extensions.Logging;

namespace Herald;

public sealed partial class SqliteEventLog
{
    // Event IDs 300–319 belong to the SQLite store. Never renumber or rename a released one: users alert on them.
    private static partial class Log
    {
        [LoggerMessage(EventId = 300, Level = LogLevel.Information, Message = "Opened SQLite store {Path} (epoch {Epoch}, schema version {SchemaVersion}, synchronous={Synchronous})")]
        public static partial void Opened(ILogger logger, string path, string epoch, int schemaVersion, string synchronous);

        [LoggerMessage(EventId = 301, Level = LogLevel.Information, Message = "Closed SQLite store {Path}")]
        public static partial void Closed(ILogger logger, string path);

        [LoggerMessage(EventId = 302, Level = LogLevel.Error, Message = "Commit of {Requests} appends ({Events} events) to {Path} failed and was rolled back; none was appended")]
        public static partial void CommitFailed(ILogger logger, Exception exception, int requests, int events, string path);

        [LoggerMessage(EventId = 304, Level = LogLevel.Critical, Message = "The SQLite writer of {Path} stopped; every append is answered 503 and /readyz is 503 until the server restarts")]
        public static partial void WriterStopped(ILogger logger, Exception exception, string path);

        [LoggerMessage(EventId = 303, Level = LogLevel.Error, Message = "An append observer threw for stream {Stream}; observers must not throw")]
        public static partial void AppendedHandlerFailed(ILogger logger, Exception exception, string stream);
    }
}
