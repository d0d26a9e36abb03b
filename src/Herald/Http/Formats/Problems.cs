using Herald.Validation;
using Herald.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Http.Formats;

/// <summary>
/// RFC 9457 problem details, the only shape Herald's errors take (docs/protocol.md "Streams"). When the application
/// registered ASP.NET Core's <see cref="IProblemDetailsService"/> (<c>AddProblemDetails</c>), Herald's problems go through
/// it, so the app's customizations (a trace ID, a node name, its own writer) apply to them as to its own errors. Herald
/// does not register it itself: that would change how the app's other errors look. Without it, or when it declines
/// (its writers match on the request's <c>Accept</c>, and an <c>EventSource</c> asks for <c>text/event-stream</c>),
/// Herald writes the same fields itself: a client always gets problem+json.
/// </summary>
internal static class Problems
{
    public const string ContentType = "application/problem+json";
    private const string TypePrefix = "urn:herald:problem:";

    public static async Task WriteAsync(HttpContext context, Problem problem)
    {
        HttpResponse response = context.Response;
        if (problem.RetryAfterSeconds is int retryAfter)
        {
            response.Headers.RetryAfter = retryAfter.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        context.RequestServices.GetService<HeraldMetrics>()?.Rejected(problem.Status);

        if (context.RequestServices.GetService<IProblemDetailsService>() is IProblemDetailsService service)
        {
            response.StatusCode = problem.Status;
            if (await service.TryWriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = ToProblemDetails(problem) }).ConfigureAwait(false))
            {
                return;
            }
        }

        await JsonResponses.WriteAsync(context, problem.Status, ContentType, problem, static (json, p) =>
        {
            json.WriteString("type", TypePrefix + p.Slug);
            json.WriteString("title", p.Title);
            json.WriteNumber("status", p.Status);
            json.WriteString("detail", p.Detail);
            if (p.Line is int line)
            {
                json.WriteNumber("line", line);
            }
        }).ConfigureAwait(false);
    }

    private static ProblemDetails ToProblemDetails(Problem problem)
    {
        ProblemDetails details = new()
        {
            Type = TypePrefix + problem.Slug,
            Title = problem.Title,
            Status = problem.Status,
            Detail = problem.Detail,
        };
        if (problem.Line is int line)
        {
            details.Extensions["line"] = line;
        }

        return details;
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
