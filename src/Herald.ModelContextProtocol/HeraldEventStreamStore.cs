using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.Server;

namespace Herald.ModelContextProtocol;

/// <summary>
/// The MCP SDK's <see cref="ISseEventStreamStore"/> on Herald's <see cref="IEventLog"/>: every MCP stream is a Herald
/// stream (<see cref="McpStreamNames"/>), every SSE item a Herald event appended — durably, whatever the store — before
/// the SDK writes it to the client, and every event ID names its stream and position (<see cref="McpEventIds"/>), so a
/// client resumes on any node that shares the store, after a crash as after a disconnect.
/// </summary>
internal sealed partial class HeraldEventStreamStore : ISseEventStreamStore
{
    private readonly IEventLog _log;
    private readonly ILogger _logger;

    public HeraldEventStreamStore(IEventLog log, ILogger<HeraldEventStreamStore>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _logger = logger ?? NullLogger<HeraldEventStreamStore>.Instance;
    }

    /// <inheritdoc />
    public async ValueTask<ISseEventStreamWriter> CreateStreamAsync(SseEventStreamOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(options.SessionId);
        ArgumentNullException.ThrowIfNull(options.StreamId);

        string stream = McpStreamNames.ForEventStream(options.SessionId, options.StreamId);
        var writer = new HeraldEventStreamWriter(_log, stream, options.StreamId, options.Mode, _logger);

        // Appended before the writer is handed out, so a reader always finds who the stream belongs to. Reusing the IDs
        // of an earlier stream appends a second Open: readers of the earlier one stop there instead of reading on into it.
        await writer.AppendAsync(StreamRecord.Open(options.SessionId, options.StreamId, options.Mode), cancellationToken).ConfigureAwait(false);
        return writer;
    }

    /// <inheritdoc />
    public async ValueTask<ISseEventStreamReader?> GetStreamReaderAsync(string lastEventId, CancellationToken cancellationToken)
    {
        if (!McpEventIds.TryParse(lastEventId, out string stream, out long position))
        {
            LogMalformedEventId(lastEventId);
            return null;
        }

        // The Open record names the MCP session: the SDK compares it with the session of the request that resumes.
        IReadOnlyList<StoredEvent> head = await _log.ReadAsync(stream, 0, 1, cancellationToken).ConfigureAwait(false);
        StreamRecord? open = head.Count == 1 && head[0].Id == 1 ? StreamRecord.Decode(head[0]) : null;
        if (open is not { Kind: StreamRecordKind.Open, SessionId: not null, StreamId: not null })
        {
            LogUnknownStream(stream, lastEventId);
            return null;
        }

        // The event the client last saw must still be there and be an item: an ID past the end, of a trimmed event or of
        // a record no client was ever given is refused rather than answered with a guess.
        IReadOnlyList<StoredEvent> last = await _log.ReadAsync(stream, position - 1, 1, cancellationToken).ConfigureAwait(false);
        StreamRecord? seen = last.Count == 1 && last[0].Id == position ? StreamRecord.Decode(last[0]) : null;
        if (seen is not { Kind: StreamRecordKind.Item })
        {
            LogUnknownPosition(stream, position);
            return null;
        }

        return new HeraldEventStreamReader(_log, stream, open.SessionId, open.StreamId, position, seen, _logger);
    }

    [LoggerMessage(Level = LogLevel.Debug, Message = "Last-Event-ID '{LastEventId}' was not issued by Herald's MCP event store; the resume is refused.")]
    private partial void LogMalformedEventId(string lastEventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Last-Event-ID '{LastEventId}' names stream {Stream}, which the store does not hold (never written, or its start was trimmed by retention); the resume is refused.")]
    private partial void LogUnknownStream(string stream, string lastEventId);

    [LoggerMessage(Level = LogLevel.Information, Message = "Stream {Stream} holds no item at position {Position} (past its end, trimmed by retention, or not an item); the resume is refused.")]
    private partial void LogUnknownPosition(string stream, long position);
}
