using System.Text.Json;
using Herald.Validation;
using Herald.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Http.Formats;

/// <summary>RFC 9457 problem details, the only shape Herald's errors take (docs/protocol.md "Streams").</summary>
internal static class Problems
{
    public static Task WriteAsync(HttpContext context, Problem problem)
    {
        HttpResponse response = context.Response;
        if (problem.RetryAfterSeconds is int retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.RequestServices.GetService<HeraldMetrics>()?.Rejected(problem.Status);

        return JsonResponses.WriteAsync(context, problem.Status, "application/problem+json", problem, static (json, p) =>
        {
            json.WriteString("type", "urn:herald:problem:" + p.Slug);
            json.WriteString("title", p.Title);
            json.WriteNumber("status", p.Status);
            json.WriteString("detail", p.Detail);
            if (p.Line is int line)
            {
                json.WriteNumber("line", line);
            }
        });
    }
}

/// <summary>One error answer: its status, a stable slug for its <c>type</c>, and what went wrong.</summary>
internal sealed record Problem(int Status, string Slug, string Title, string Detail)
{
    public int? Line { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public static Problem InvalidStreamName(string name) => new(
        StatusCodes.Status400BadRequest,
        "invalid-stream-name",
        "Invalid stream name",
        $"A stream name is 1-{StreamNames.MaxLength} characters of A-Z a-z 0-9 _ . - and does not start with '.'; got {Describe(name)}.");

    public static Problem InvalidPosition(string source) => new(
        StatusCodes.Status400BadRequest,
        "invalid-position",
        "Invalid position",
        $"{source} must be a decimal event ID from 0 to 9223372036854775807 with no sign, leading zero or space.");

    public static Problem StreamForbidden(string name, bool publish) => new(
        StatusCodes.Status403Forbidden,
        "stream-forbidden",
        "Not allowed on this stream",
        $"The application does not allow this caller to {(publish ? "publish on" : "read")} the stream {Describe(name)}.");

    public static Problem BadRequest(string slug, string title, string detail) => new(StatusCodes.Status400BadRequest, slug, title, detail);

    public static Problem TooLarge(string detail) => new(StatusCodes.Status413PayloadTooLarge, "too-large", "Request too large", detail);

    public static Problem Unavailable(string detail) =>
        new(StatusCodes.Status503ServiceUnavailable, "store-unavailable", "Store unavailable", detail) { RetryAfterSeconds = 1 };

    // Echo at most a short, printable prefix: the detail goes back to the caller and into logs.
    private static string Describe(string value)
    {
        string shown = value.Length > 40 ? value[..40] + "…" : value;
        return shown.Length == 0 ? "an empty name" : "'" + new string(shown.Select(c => char.IsControl(c) ? '?' : c).ToArray()) + "'";
    }
}
