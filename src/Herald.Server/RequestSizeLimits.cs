using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;

namespace Herald.Server;

/// <summary>
/// docs/protocol.md "Limits": a request line over <c>--max-request-line-bytes</c> gets <c>414</c> and headers over
/// <c>--max-request-headers-bytes</c> get <c>431</c>, both as problem+json like every other limit. Kestrel would answer
/// them itself, with no body, before any middleware runs; so its own limits are set above these (twice them,
/// <see cref="ServerLimits"/>), still bounding what a connection may send, and this check, first in the pipeline, measures
/// each request as Kestrel would: the request line with its CRLF, and each header as <c>name: value</c> and its CRLF.
/// </summary>
internal static class RequestSizeLimits
{
    /// <summary>How far above the configured sizes Kestrel's own limits sit: the backstop for what never reaches this check.</summary>
    public const int KestrelFactor = 2;

    public static void Use(WebApplication app, int maxLineBytes, int maxHeadersBytes)
    {
        // Not an async lambda: a request within the limits goes on without a state machine of this middleware living as
        // long as the request does (for an SSE subscription, as long as the connection).
        app.Use((context, next) =>
        {
            if (RequestLineBytes(context) > maxLineBytes)
            {
                return Problems.WriteAsync(context, new Problem(
                    StatusCodes.Status414UriTooLong,
                    "request-line-too-long",
                    "Request line too long",
                    $"The request line (method, path and query) is longer than {maxLineBytes} bytes (--max-request-line-bytes)."));
            }

            if (HeaderBytes(context.Request.Headers) > maxHeadersBytes)
            {
                return Problems.WriteAsync(context, new Problem(
                    StatusCodes.Status431RequestHeaderFieldsTooLarge,
                    "request-headers-too-large",
                    "Request headers too large",
                    $"The request's headers add up to more than {maxHeadersBytes} bytes (--max-request-headers-bytes)."));
            }

            return next(context);
        });
    }

    // "GET /streams/a?b=c HTTP/1.1\r\n": the target as the client sent it, before decoding.
    private static long RequestLineBytes(HttpContext context)
    {
        IHttpRequestFeature? request = context.Features.Get<IHttpRequestFeature>();
        string target = request?.RawTarget ?? (context.Request.PathBase + context.Request.Path + context.Request.QueryString).ToString();
        return context.Request.Method.Length + 1L + target.Length + 1 + context.Request.Protocol.Length + 2;
    }

    private static long HeaderBytes(IHeaderDictionary headers)
    {
        long bytes = 0;
        foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in headers)
        {
            foreach (string? value in header.Value)
            {
                bytes += header.Key.Length + ": ".Length + (value?.Length ?? 0) + "\r\n".Length;
            }
        }

        return bytes;
    }
}
