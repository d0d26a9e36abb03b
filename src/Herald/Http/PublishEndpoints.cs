using System.Diagnostics;
using Herald.Hosting;
using Herald.Http.Formats;
using Herald.Http.Limits;
using Herald.Http.Security;
using Herald.Validation;
using Microsoft.AspNetCore.Cors.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;

namespace Herald.Http;

/// <summary>docs/protocol.md "Publish" and "Batch publish": validate everything first, then one atomic append.</summary>
internal sealed partial class PublishEndpoints
{
    private readonly IEventLog _log;
    private readonly HeraldOptions _options;
    private readonly HeraldMetrics _metrics;
    private readonly PublisherAuthorization _authorization;
    private readonly ILogger<PublishEndpoints> _logger;
    private readonly CancellationToken _stopping;
    private readonly IOptions<CorsOptions> _cors;

    public PublishEndpoints(IEventLog log, IOptions<HeraldOptions> options, HeraldMetrics metrics, PublisherAuthorization authorization, IHostApplicationLifetime lifetime, IOptions<CorsOptions> cors, ILogger<PublishEndpoints> logger)
    {
        _cors = cors;
        _stopping = lifetime.ApplicationStopping;
        _log = log;
        _options = options.Value;
        _metrics = metrics;
        _authorization = authorization;
        _logger = logger;
    }

    public async Task PublishAsync(HttpContext context, string name)
    {
        if (Precheck(context, name, out string? key) is Problem rejected)
        {
            await Problems.WriteAsync(context, rejected);
            return;
        }

        if (await StreamAccess.DeniedAsync(context, name, publish: true))
        {
            return;
        }

        string? eventType = null;
        StringValues types = context.Request.Query["event"];
        if (types.Count > 0)
        {
            eventType = types.Count == 1 ? types[0] : null;
            if (eventType is null || !EventTypes.IsValid(eventType))
            {
                await Problems.WriteAsync(context, Problem.BadRequest(
                    "invalid-event-type",
                    "Invalid event type",
                    $"The query parameter 'event' must appear once, with 1-{EventTypes.MaxLength} characters of A-Z a-z 0-9 _ . : -."));
                return;
            }
        }

        byte[]? body = await RequestBody.ReadAsync(context.Request, _options.MaxEventBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.WriteAsync(context, Problem.TooLarge($"An event's data is at most {_options.MaxEventBytes} bytes."));
            return;
        }

        if (body.Length == 0)
        {
            await Problems.WriteAsync(context, Problem.BadRequest("empty-body", "Empty event", "The request body is the event's data and must not be empty."));
            return;
        }

        if (!Payloads.IsValidUtf8(body))
        {
            await Problems.WriteAsync(context, Problem.BadRequest("invalid-utf8", "Invalid UTF-8", "The event's data must be UTF-8 text."));
            return;
        }

        EventData data = new(eventType, Payloads.NormalizeLineBreaks(body));
        if (await AppendAsync(context, name, [data], key) is AppendResult result)
        {
            await JsonResponses.WriteAsync(context, StatusFor(context, result), (name, result), static (json, s) =>
            {
                json.WriteString("stream", s.name);
                json.WriteNumber("id", s.result.First);
            });
        }
    }

    public async Task PublishBatchAsync(HttpContext context, string name)
    {
        if (Precheck(context, name, out string? key) is Problem rejected)
        {
            await Problems.WriteAsync(context, rejected);
            return;
        }

        if (await StreamAccess.DeniedAsync(context, name, publish: true))
        {
            return;
        }

        byte[]? body = await RequestBody.ReadAsync(context.Request, _options.MaxBatchBytes, context.RequestAborted);
        if (body is null)
        {
            await Problems.WriteAsync(context, Problem.TooLarge($"A batch body is at most {_options.MaxBatchBytes} bytes."));
            return;
        }

        BatchParseResult parsed = BatchParser.Parse(body, _options.MaxBatchEvents);
        if (parsed.Events is null)
        {
            Problem problem = parsed.TooLarge
                ? Problem.TooLarge(parsed.Error!) with { Line = parsed.Line }
                : Problem.BadRequest("invalid-batch-line", "Invalid batch line", parsed.Error!) with { Line = parsed.Line };
            await Problems.WriteAsync(context, problem);
            return;
        }

        if (await AppendAsync(context, name, parsed.Events, key) is AppendResult result)
        {
            await JsonResponses.WriteAsync(context, StatusFor(context, result), (name, result), static (json, s) =>
            {
                json.WriteString("stream", s.name);
                json.WriteNumber("first", s.result.First);
                json.WriteNumber("last", s.result.Last);
            });
        }
    }

    private Problem? Precheck(HttpContext context, string name, out string? idempotencyKey)
    {
        idempotencyKey = null;
        if (_stopping.IsCancellationRequested)
        {
            // docs/protocol.md "Operations": from SIGTERM on a publish is never acknowledged, so a load balancer's retry lands on
            // another node (a keep-alive connection can still bring one after the listeners closed).
            return new Problem(StatusCodes.Status503ServiceUnavailable, "shutting-down", "Server shutting down", "This server is stopping and takes no more events; nothing was appended. Retry on another node, or here once it is back.") { RetryAfterSeconds = 1 };
        }

        if (CrossSitePublish.Check(context, _cors.Value.GetPolicy(HeraldCors.PolicyName)) is Problem crossSite)
        {
            return crossSite;
        }

        if (_authorization.Check(context) is Problem denied)
        {
            return denied;
        }

        if (HeraldGuards.CheckPublishRate(context) is Problem limited)
        {
            return limited;
        }

        if (!StreamNames.IsValid(name))
        {
            return Problem.InvalidStreamName(name);
        }

        StringValues keys = context.Request.Headers["Idempotency-Key"];
        if (keys.Count > 0)
        {
            idempotencyKey = keys.Count == 1 ? keys[0] : null;
            if (idempotencyKey is null || !IdempotencyKeys.IsValid(idempotencyKey))
            {
                return Problem.BadRequest(
                    "invalid-idempotency-key",
                    "Invalid Idempotency-Key",
                    $"Idempotency-Key must appear once, with 1-{IdempotencyKeys.MaxLength} characters in 0x21-0x7E.");
            }
        }

        return null;
    }

    private async Task<AppendResult?> AppendAsync(HttpContext context, string stream, List<EventData> events, string? key)
    {
        long started = Stopwatch.GetTimestamp();
        AppendResult result;
        try
        {
            // Not the request's token: once queued, an append completes even if the client goes away, so a retry with
            // the same Idempotency-Key finds it rather than appending twice.
            result = await _log.AppendAsync(stream, events, key, CancellationToken.None);
        }
        catch (EventLogUnavailableException ex)
        {
            Log.AppendFailed(_logger, stream, ex);
            // docs/protocol.md "Operations": when the store may have taken the append, never claim that nothing was appended.
            await Problems.WriteAsync(context, Problem.Unavailable(ex.OutcomeUnknown
                ? "The store did not confirm the append in time: it may have been appended. Retry with the same Idempotency-Key, which appends it at most once."
                : "The store cannot take the event now; nothing was appended. Retry later with the same Idempotency-Key."));
            return null;
        }

        _metrics.ObserveAppend(Stopwatch.GetElapsedTime(started), result, events.Count);
        return result;
    }

    private static int StatusFor(HttpContext context, AppendResult result)
    {
        if (!result.Replayed)
        {
            return StatusCodes.Status201Created;
        }

        context.Response.Headers["Idempotent-Replayed"] = "true";
        return StatusCodes.Status200OK;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1001, Level = LogLevel.Error, Message = "Append to {Stream} failed; answered 503")]
        public static partial void AppendFailed(ILogger logger, string stream, Exception exception);
    }
}
