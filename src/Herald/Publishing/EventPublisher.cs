using System.Diagnostics;
using System.Text;
using Herald.Hosting;
using Herald.Validation;
using Microsoft.Extensions.Options;

namespace Herald.Publishing;

/// <summary>
/// <see cref="IEventPublisher"/>: the checks of docs/protocol.md "Publish" as <see cref="ArgumentException"/>s, then the same metered
/// append as <c>PublishEndpoints</c>.
/// </summary>
internal sealed class EventPublisher : IEventPublisher
{
    // Strict: a string with a lone surrogate is not text Herald can store; the HTTP path answers invalid-utf8 for it.
    private static readonly UTF8Encoding s_strictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly IEventLog _log;
    private readonly HeraldOptions _options;
    private readonly HeraldMetrics _metrics;

    public EventPublisher(IEventLog log, IOptions<HeraldOptions> options, HeraldMetrics metrics)
    {
        _log = log;
        _options = options.Value;
        _metrics = metrics;
    }

    public Task<AppendResult> PublishAsync(string stream, string data, string? eventType = null, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        CheckStreamAndKey(stream, idempotencyKey);
        EventData item = ToEventData(data, eventType, nameof(data), nameof(eventType));
        if (item.Data.Length > _options.MaxEventBytes)
        {
            throw new ArgumentException($"An event's data is at most {_options.MaxEventBytes} bytes ({nameof(HeraldOptions.MaxEventBytes)}); got {item.Data.Length}.", nameof(data));
        }

        return AppendAsync(stream, [item], idempotencyKey, cancellationToken);
    }

    public Task<AppendResult> PublishBatchAsync(string stream, IEnumerable<EventToPublish> events, string? idempotencyKey = null, CancellationToken cancellationToken = default)
    {
        CheckStreamAndKey(stream, idempotencyKey);
        ArgumentNullException.ThrowIfNull(events);
        List<EventData> batch = [];
        long bytes = 0;
        foreach (EventToPublish? e in events)
        {
            if (batch.Count == _options.MaxBatchEvents)
            {
                throw new ArgumentException($"A batch holds at most {_options.MaxBatchEvents} events ({nameof(HeraldOptions.MaxBatchEvents)}).", nameof(events));
            }

            if (e is null)
            {
                throw new ArgumentException($"Event {batch.Count} is null.", nameof(events));
            }

            EventData item = ToEventData(e.Data, e.EventType, $"{nameof(events)}[{batch.Count}].{nameof(e.Data)}", $"{nameof(events)}[{batch.Count}].{nameof(e.EventType)}");
            bytes += item.Data.Length;
            if (bytes > _options.MaxBatchBytes)
            {
                throw new ArgumentException($"A batch carries at most {_options.MaxBatchBytes} bytes of data ({nameof(HeraldOptions.MaxBatchBytes)}).", nameof(events));
            }

            batch.Add(item);
        }

        if (batch.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one event.", nameof(events));
        }

        return AppendAsync(stream, batch, idempotencyKey, cancellationToken);
    }

    private async Task<AppendResult> AppendAsync(string stream, List<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
    {
        AppendArguments.Validate(stream, events);
        cancellationToken.ThrowIfCancellationRequested();
        long started = Stopwatch.GetTimestamp();

        // As PublishEndpoints does: once queued, the append completes even if the caller stops waiting, so a retry with
        // the same idempotency key finds it rather than appending twice.
        AppendResult result = await _log.AppendAsync(stream, events, idempotencyKey, CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        _metrics.ObserveAppend(Stopwatch.GetElapsedTime(started), result, events.Count);
        return result;
    }

    private static void CheckStreamAndKey(string stream, string? idempotencyKey)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (!StreamNames.IsValid(stream))
        {
            throw new ArgumentException($"A stream name is 1-{StreamNames.MaxLength} characters of A-Z a-z 0-9 _ . - and does not start with '.'.", nameof(stream));
        }

        if (idempotencyKey is not null && !IdempotencyKeys.IsValid(idempotencyKey))
        {
            throw new ArgumentException($"An idempotency key is 1-{IdempotencyKeys.MaxLength} characters in 0x21-0x7E.", nameof(idempotencyKey));
        }
    }

    private static EventData ToEventData(string? data, string? eventType, string dataName, string typeName)
    {
        if (eventType is not null && !EventTypes.IsValid(eventType))
        {
            throw new ArgumentException($"An event type is 1-{EventTypes.MaxLength} characters of A-Z a-z 0-9 _ . : -.", typeName);
        }

        ArgumentNullException.ThrowIfNull(data, dataName);
        if (data.Length == 0)
        {
            throw new ArgumentException("An event's data must not be empty.", dataName);
        }

        byte[] utf8;
        try
        {
            utf8 = s_strictUtf8.GetBytes(data);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("An event's data must be valid text (it holds a lone surrogate).", dataName, ex);
        }

        return new EventData(eventType, Payloads.NormalizeLineBreaks(utf8));
    }
}
