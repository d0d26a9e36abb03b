using Herald.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Prometheus;

namespace Herald;

/// <summary>Maps Herald's HTTP contract (API.md) onto an application's endpoints.</summary>
public static class HeraldEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps subscribe, publish, batch, <c>info</c> and <c>events</c> under <paramref name="prefix"/> (API.md uses
    /// <c>/streams</c>). Returns the group, so the usual conventions (<c>RequireAuthorization</c>, <c>RequireCors</c>,
    /// <c>RequireRateLimiting</c>, <c>WithTags</c> and other OpenAPI metadata) chain on it and reach each of these endpoints.
    /// </summary>
    public static RouteGroupBuilder MapHerald(this IEndpointRouteBuilder endpoints, string prefix = "/streams")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(prefix);

        // The handlers are resolved per request (singletons: a cached lookup), not here: mapping must not open the store
        // or read the options, so that bad options or an unusable store fail the host's start, with the option named.
        group.MapGet("/{name}", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<SubscribeEndpoint>().SubscribeAsync(context, name)));
        group.MapPost("/{name}", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<PublishEndpoints>().PublishAsync(context, name)));
        group.MapPost("/{name}/batch", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<PublishEndpoints>().PublishBatchAsync(context, name)));
        group.MapGet("/{name}/info", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<ReadEndpoints>().InfoAsync(context, name)));
        group.MapGet("/{name}/events", (HttpContext context, string name) =>
            StoreFailureGuard.RunAsync(context, context.RequestServices.GetRequiredService<ReadEndpoints>().EventsAsync(context, name)));
        return group;
    }

    /// <summary>Maps <c>/healthz</c> (the process runs), <c>/readyz</c> (the store answers) and <c>/metrics</c> (Prometheus).</summary>
    public static IEndpointConventionBuilder MapHeraldOperations(this IEndpointRouteBuilder endpoints)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(string.Empty);
        group.MapGet("/healthz", () => Results.Text("ok\n"));
        group.MapGet("/readyz", async (IEventLog log, CancellationToken cancellationToken) =>
        {
            using CancellationTokenSource timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(2));
            bool ready;
            try
            {
                ready = await log.IsReadyAsync(timeout.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is OperationCanceledException or EventLogUnavailableException)
            {
                ready = false;
            }

            return ready ? Results.Text("ready\n") : Results.Text("not ready: the store does not answer\n", statusCode: StatusCodes.Status503ServiceUnavailable);
        });
        group.MapMetrics("/metrics", endpoints.ServiceProvider.GetRequiredService<HeraldMetrics>().Registry);
        return group;
    }
}
