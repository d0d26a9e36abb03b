using System.Text.Json.Nodes;
using Herald.Hosting;
using Herald.Http;
using Herald.Http.Limits;
using Herald.Http.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Herald;

/// <summary>Maps Herald's HTTP contract (docs/protocol.md) onto an application's endpoints.</summary>
public static class HeraldEndpointRouteBuilderExtensions
{
    // Responses are declared as JSON objects, not typed DTOs: their shapes are documented in docs/protocol.md and kept
    // out of the public API, which a DTO per response would grow for no caller's benefit.
    private const string Json = "application/json";

    /// <summary>
    /// Maps the stream list (<c>GET</c> on the prefix itself), subscribe, publish, batch, <c>info</c> and <c>events</c>
    /// under <paramref name="prefix"/> (docs/protocol.md uses <c>/streams</c>), and the subscription to several streams
    /// next to it: <c>/subscribe</c> for <c>/streams</c>, <c>/api/subscribe</c> for <c>/api/streams</c>. Returns the group
    /// that holds them all, so the usual conventions (<c>RequireAuthorization</c>, <c>RequireCors</c>,
    /// <c>RequireRateLimiting</c>, <c>WithTags</c> and other OpenAPI metadata) chain on it and reach each of these endpoints.
    /// </summary>
    public static RouteGroupBuilder MapHerald(this IEndpointRouteBuilder endpoints, string prefix = "/streams")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(prefix);

        // "/api/streams" -> "/api" + "/streams": /subscribe is the prefix's sibling (a stream named "subscribe" stays reachable).
        string trimmed = prefix.TrimEnd('/');
        int lastSlash = trimmed.LastIndexOf('/');
        RouteGroupBuilder herald = endpoints.MapGroup(lastSlash > 0 ? trimmed[..lastSlash] : string.Empty);
        RouteGroupBuilder group = herald.MapGroup(lastSlash >= 0 ? trimmed[lastSlash..] : trimmed);

        // The handlers are resolved per request (singletons: a cached lookup), not here: mapping must not open the store
        // or read the options, so that bad options or an unusable store fail the host's start, with the option named.
        // A Func, not a RequestDelegate: only a route handler carries OpenAPI metadata. No Accepts(...) metadata: routing
        // enforces it (415 for any other Content-Type), and publish takes any body as the event's data.
        Func<HttpContext, Task> list = static context => LimitedReadAsync(context, static c => c.RequestServices.GetRequiredService<ReadEndpoints>().ListAsync(c));
        group.MapGet(string.Empty, list)
            .WithName("HeraldListStreams")
            .WithSummary("Lists streams with their first and last IDs, a page at a time.")
            .Produces<JsonObject>(StatusCodes.Status200OK, Json);
        group.MapGet("/{name}", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<SubscribeEndpoint>().SubscribeAsync(context, name)))
            .WithName("HeraldSubscribe")
            .WithSummary("Subscribes to a stream as Server-Sent Events, resuming after Last-Event-ID.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/{name}", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<PublishEndpoints>().PublishAsync(context, name)))
            .WithName("HeraldPublish")
            .WithSummary("Appends one event; the answer carries its ID.")
            .Produces<JsonObject>(StatusCodes.Status201Created, Json)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapPost("/{name}/batch", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<PublishEndpoints>().PublishBatchAsync(context, name)))
            .WithName("HeraldPublishBatch")
            .WithSummary("Appends several events atomically, with contiguous IDs.")
            .Produces<JsonObject>(StatusCodes.Status201Created, Json)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);
        group.MapGet("/{name}/info", (HttpContext context, string name) =>
            LimitedReadAsync(context, c => c.RequestServices.GetRequiredService<ReadEndpoints>().InfoAsync(c, name)))
            .WithName("HeraldStreamInfo")
            .WithSummary("A stream's first and last retained IDs, epoch and subscriber count.")
            .Produces<JsonObject>(StatusCodes.Status200OK, Json);
        group.MapGet("/{name}/events", (HttpContext context, string name) =>
            LimitedReadAsync(context, c => c.RequestServices.GetRequiredService<ReadEndpoints>().EventsAsync(c, name)))
            .WithName("HeraldReadEvents")
            .WithSummary("A page of a stream's retained events after a position, as JSON.")
            .Produces<JsonObject>(StatusCodes.Status200OK, Json);

        Func<HttpContext, Task> subscribeMany = static context =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<SubscribeManyEndpoint>().SubscribeAsync(context));
        herald.MapGet("/subscribe", subscribeMany)
            .WithName("HeraldSubscribeMany")
            .WithSummary("Subscribes to several streams on one connection, each resuming after its pair of the composite Last-Event-ID.")
            .Produces<string>(StatusCodes.Status200OK, "text/event-stream")
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        // What every endpoint may answer: a bad name or position, a refused token, a store that does not answer.
        herald.WithTags("Herald")
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status403Forbidden)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        if (CorsConfigured(endpoints.ServiceProvider))
        {
            herald.RequireCors(HeraldCors.PolicyName); // the host runs app.UseCors(); see HeraldOptions.CorsOrigins
        }

        return herald;
    }

    /// <summary>
    /// Whether the options name CORS origins. Read at mapping time because CORS metadata must be on the endpoints (and
    /// only when the host has CORS middleware); options that fail validation count as none here, so the host's start
    /// still fails with the message that names the bad option.
    /// </summary>
    private static bool CorsConfigured(IServiceProvider services)
    {
        try
        {
            return services.GetRequiredService<Microsoft.Extensions.Options.IOptions<HeraldOptions>>().Value.CorsOrigins.Count > 0;
        }
        catch (Microsoft.Extensions.Options.OptionsValidationException)
        {
            return false;
        }
    }

    /// <summary>
    /// Maps <c>/healthz</c> (the process runs) and <c>/readyz</c> (the store answers). Metrics are not an endpoint of the
    /// library: they are the <c>Herald</c> meter, which the app exports as it exports its other meters (OpenTelemetry,
    /// prometheus-net; docs/embedding.md); <c>herald-server</c> serves them at <c>/metrics</c>.
    /// </summary>
    public static IEndpointConventionBuilder MapHeraldOperations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        group.MapGet("/healthz", () => Results.Text("ok\n"));
        group.MapGet("/readyz", async (IEventLog log, CancellationToken cancellationToken) =>
        {
            bool ready = await StoreReadiness.CheckAsync(log, cancellationToken).ConfigureAwait(false);
            return ready ? Results.Text("ready\n") : Results.Text("not ready: the store does not answer\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        return group;
    }

    /// <summary>A JSON read under the node's cap on concurrent reads (<see cref="ReadLimits"/>), with the store's failures answered 503.</summary>
    private static async Task LimitedReadAsync(HttpContext context, Func<HttpContext, Task> read)
    {
        using IDisposable? lease = await context.RequestServices.GetRequiredService<ReadLimits>().EnterAsync(context).ConfigureAwait(false);
        if (lease is not null)
        {
            await StoreFailureGuard.RunAsync(context, read(context)).ConfigureAwait(false);
        }
    }
}
