using System.Globalization;
using Herald.Client;

namespace Herald.Bench.Verify;

/// <summary>
/// Publishes batches of known payloads, one batch at a time, each with its own Idempotency-Key. A batch that failed or
/// timed out is sent again with the SAME key until the server acknowledges it, so a fault may delay a batch but must
/// never append it twice; every acknowledged range is recorded with the payload keys it carries.
/// </summary>
internal sealed class ChaosPublisher : IAsyncDisposable
{
    private static readonly TimeSpan s_retryPause = TimeSpan.FromMilliseconds(100);
    private readonly int _number;
    private readonly string _stream;
    private readonly string _runId;
    private readonly int _batch;
    private readonly ChaosPayload _payloads;
    private readonly AcknowledgedEvents _acknowledged;
    private readonly DroppableConnections _connections = new();
    private readonly PublishAttemptCounter _handler;
    private readonly HeraldClient _client;
    private long _sent;

    public ChaosPublisher(int number, IReadOnlyList<Uri> baseUrls, string stream, string runId, int batch, ChaosPayload payloads, AcknowledgedEvents acknowledged)
    {
        _number = number;
        _stream = stream;
        _runId = runId;
        _batch = batch;
        _payloads = payloads;
        _acknowledged = acknowledged;
        _handler = new PublishAttemptCounter(_connections.CreateHandler());
        _client = new HeraldClient(new HeraldClientOptions
        {
            BaseUrls = baseUrls,
            HttpMessageHandler = _handler,
            MinReconnectDelay = TimeSpan.FromMilliseconds(50),
            MaxReconnectDelay = TimeSpan.FromSeconds(1),
            MaxPublishAttempts = 20,
            RequestTimeout = TimeSpan.FromSeconds(15),
        });
    }

    /// <summary>Requests sent again with the previous request's Idempotency-Key (by the client's retries or ours).</summary>
    public long Resent => _handler.Resent;

    /// <summary>Answers flagged <c>Idempotent-Replayed</c>: the batch had been appended before, and was not appended again.</summary>
    public long Replayed => _handler.Replayed;

    /// <summary>Set when the server refused a batch for good (a 4xx): the run cannot be verified.</summary>
    public string? Failure { get; private set; }

    /// <summary>True while a batch has been sent but not acknowledged (at the end: a publish the drain cut off).</summary>
    public bool HasUnacknowledgedBatch { get; private set; }

    public int DropConnections() => _connections.DropAll();

    /// <summary>
    /// Publishes until <paramref name="stop"/> (no new batch after it), finishing the batch in flight with retries until
    /// <paramref name="abort"/>.
    /// </summary>
    public async Task RunAsync(CancellationToken stop, CancellationToken abort)
    {
        long batchNumber = 0;
        while (!stop.IsCancellationRequested)
        {
            long firstN = _sent;
            (string Data, string? EventType)[] events = new (string, string?)[_batch];
            for (int i = 0; i < _batch; i++)
            {
                events[i] = (_payloads.Format(_number, firstN + i), null);
            }

            string key = string.Create(CultureInfo.InvariantCulture, $"chaos-{_runId}-p{_number}-b{batchNumber}");
            HasUnacknowledgedBatch = true;
            (long first, long last) = await PublishUntilAcknowledgedAsync(events, key, abort).ConfigureAwait(false);
            if (Failure is not null)
            {
                return;
            }

            HasUnacknowledgedBatch = false;
            if (last - first + 1 != _batch)
            {
                Failure = $"publisher {_number}: batch {key} of {_batch} events was acknowledged as IDs {first}..{last}";
                return;
            }

            _acknowledged.Add(first, last, ChaosPayload.Key(_number, firstN));
            _sent += _batch;
            batchNumber++;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _client.DisposeAsync().ConfigureAwait(false);
        _handler.Dispose();
    }

    private async Task<(long First, long Last)> PublishUntilAcknowledgedAsync((string Data, string? EventType)[] events, string key, CancellationToken abort)
    {
        while (true)
        {
            try
            {
                return await _client.PublishBatchAsync(_stream, events, key, abort).ConfigureAwait(false);
            }
            catch (HeraldException ex) when (ex.StatusCode is null or >= 500 or 408 or 429)
            {
                // The client gave up after its own attempts (a node down longer than its backoff): same key, again.
                await Task.Delay(s_retryPause, abort).ConfigureAwait(false);
            }
            catch (HeraldException ex)
            {
                Failure = $"publisher {_number}: batch {key} was refused: {ex.Message}";
                return (0, 0);
            }
        }
    }
}
