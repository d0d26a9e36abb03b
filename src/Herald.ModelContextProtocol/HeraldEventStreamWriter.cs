using System.Globalization;
using System.Net.ServerSentEvents;
using Microsoft.Extensions.Logging;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Herald.ModelContextProtocol;

/// <summary>Appends one MCP stream's items to its Herald stream; each append is durable before its ID is returned.</summary>
internal sealed partial class HeraldEventStreamWriter : ISseEventStreamWriter
{
    /// <summary>An append whose outcome the store could not tell (a Redis failover) is retried this often, under the same idempotency key.</summary>
    private const int Attempts = 3;

    private readonly IEventLog _log;
    private readonly string _stream;
    private readonly bool _isResponseStream;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _lock = new(1, 1);

    // Idempotency keys: this writer's own prefix and a counter, so a retried append can never be stored twice.
    private readonly string _keyPrefix = Guid.NewGuid().ToString("N");
    private long _appends;
    private SseEventStreamMode _mode;
    private bool _disposed;

    public HeraldEventStreamWriter(IEventLog log, string stream, string streamId, SseEventStreamMode mode, ILogger logger)
    {
        _log = log;
        _stream = stream;
        _mode = mode;
        _logger = logger;

        // A POST's response stream ends with the response to its request; the GET stream of unsolicited messages has no end.
        _isResponseStream = !string.Equals(streamId, StreamableHttpServerTransport.UnsolicitedMessageStreamId, StringComparison.Ordinal);
    }

    /// <summary>The Herald stream this writer appends to.</summary>
    public string Stream => _stream;

    /// <inheritdoc />
    public async ValueTask<SseItem<JsonRpcMessage?>> WriteEventAsync(SseItem<JsonRpcMessage?> sseItem, CancellationToken cancellationToken)
    {
        // The interface's contract: an item that already has an ID was stored before (a replay) and is not stored again.
        if (sseItem.EventId is not null)
        {
            return sseItem;
        }

        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            bool final = _isResponseStream && sseItem.Data is JsonRpcResponse or JsonRpcError;
            long position = await AppendAsync(StreamRecord.Item(sseItem, _mode, final), cancellationToken).ConfigureAwait(false);
            return new SseItem<JsonRpcMessage?>(sseItem.Data, sseItem.EventType)
            {
                EventId = McpEventIds.Format(_stream, position),
                ReconnectionInterval = sseItem.ReconnectionInterval,
            };
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask SetModeAsync(SseEventStreamMode mode, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            if (mode != _mode)
            {
                await AppendAsync(new StreamRecord(StreamRecordKind.Mode, mode), cancellationToken).ConfigureAwait(false);
                _mode = mode;
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _lock.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            try
            {
                await AppendAsync(new StreamRecord(StreamRecordKind.End, _mode), CancellationToken.None).ConfigureAwait(false);
            }
            catch (EventLogUnavailableException ex)
            {
                // The store is shutting down with the host: readers then see the stream as a crashed writer's, which
                // ends at its final response, if it has one, or waits for more until the client gives up.
                LogEndNotStored(_stream, ex);
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Appends <paramref name="record"/> and returns its position once it is durable.</summary>
    internal async Task<long> AppendAsync(StreamRecord record, CancellationToken cancellationToken)
    {
        EventData[] events = [record.Encode()];
        string key = string.Create(CultureInfo.InvariantCulture, $"{_keyPrefix}-{++_appends}");
        for (int attempt = 1; ; attempt++)
        {
            try
            {
                AppendResult result = await _log.AppendAsync(_stream, events, key, cancellationToken).ConfigureAwait(false);
                return result.First;
            }
            catch (EventLogUnavailableException ex) when (ex.OutcomeUnknown && attempt < Attempts)
            {
                // The store may have taken it: the same key makes the retry return the original position instead of a copy.
                LogAppendRetried(_stream, attempt, ex);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Append to MCP stream {Stream} may or may not have been stored (attempt {Attempt}); retrying under the same idempotency key.")]
    private partial void LogAppendRetried(string stream, int attempt, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "The end of MCP stream {Stream} could not be stored; its readers stop at its final response, if it has one.")]
    private partial void LogEndNotStored(string stream, Exception exception);
}
