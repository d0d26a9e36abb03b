using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Herald.ModelContextProtocol;

/// <summary>
/// Reads one MCP stream from just after the position a client last saw: every later item once, in order, then — while
/// the stream is streaming — the items appended after that, on this node or any other that shares the store.
/// </summary>
internal sealed partial class HeraldEventStreamReader : ISseEventStreamReader
{
    /// <summary>Events per read; a page is also cut at <see cref="PageBytes"/>, so memory stays bounded however large the messages.</summary>
    private const int PageSize = 256;
    private const long PageBytes = 1024 * 1024;

    private readonly IEventLog _log;
    private readonly string _stream;
    private readonly long _after;
    private readonly StreamRecord _seen;
    private readonly ILogger _logger;

    public HeraldEventStreamReader(IEventLog log, string stream, string sessionId, string streamId, long after, StreamRecord seen, ILogger logger)
    {
        _log = log;
        _stream = stream;
        SessionId = sessionId;
        StreamId = streamId;
        _after = after;
        _seen = seen;
        _logger = logger;
    }

    /// <inheritdoc />
    public string SessionId { get; }

    /// <inheritdoc />
    public string StreamId { get; }

    /// <inheritdoc />
    public async IAsyncEnumerable<SseItem<JsonRpcMessage?>> ReadEventsAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_seen.Final)
        {
            yield break;
        }

        // Watched before the first read, so that an append between a read that came back empty and the wait still wakes it.
        AppendSignal signal = new();
        using IDisposable watch = _log.Watch(_stream, signal);
        long cursor = _after;
        SseEventStreamMode mode = _seen.Mode;
        while (true)
        {
            IReadOnlyList<StoredEvent> page = await _log.ReadAsync(_stream, cursor, PageSize, PageBytes, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                if (mode == SseEventStreamMode.Polling)
                {
                    // Polling: the client gets what is there now and asks again later.
                    yield break;
                }

                await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            foreach (StoredEvent stored in page)
            {
                if (stored.Id != cursor + 1)
                {
                    // Retention trimmed events this reader had not reached: end here rather than skip them silently. The
                    // client resumes from the last ID it got, which the store then refuses as expired.
                    LogGap(_stream, cursor, stored.Id);
                    yield break;
                }

                cursor = stored.Id;
                StreamRecord? record = StreamRecord.Decode(stored);
                if (record is null)
                {
                    LogForeignEvent(_stream, stored.Id);
                    continue;
                }

                mode = record.Mode;
                switch (record.Kind)
                {
                    case StreamRecordKind.Item:
                        yield return record.ToSseItem(McpEventIds.Format(_stream, stored.Id));
                        if (record.Final)
                        {
                            yield break;
                        }

                        break;
                    case StreamRecordKind.Open:
                    case StreamRecordKind.End:
                        // The writer finished, or a new writer took over these IDs: what follows is not this stream's.
                        yield break;
                    case StreamRecordKind.Mode:
                    default:
                        break;
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP stream {Stream} jumps from {Cursor} to {Next}: retention trimmed events a resuming client had not read; the replay ends there.")]
    private partial void LogGap(string stream, long cursor, long next);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP stream {Stream} holds an event at {Position} that Herald's MCP store did not write; it is skipped.")]
    private partial void LogForeignEvent(string stream, long position);
}
