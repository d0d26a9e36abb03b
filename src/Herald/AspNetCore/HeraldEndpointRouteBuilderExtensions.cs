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
    /// Maps the stream list (<c>GET</c> on the prefix itself), subscribe, publish, batch, <c>info</c> and <c>events</c> under <paramref name="prefix"/> (API.md uses
    /// <c>/streams</c>). Returns the group, so the usual conventions (authorization, CORS, rate limiting) chain on it.
    /// </summary>
    public static RouteGroupBuilder MapHerald(this IEndpointRouteBuilder endpoints, string prefix = "/streams")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        RouteGroupBuilder group = endpoints.MapGroup(prefix);
        IServiceProvider services = endpoints.ServiceProvider;
        SubscribeEndpoint subscribe = services.GetRequiredService<SubscribeEndpoint>();
        PublishEndpoints publish = services.GetRequiredService<PublishEndpoints>();
        ReadEndpoints read = services.GetRequiredService<ReadEndpoints>();

        group.MapGet(string.Empty, (HttpContext context) => StoreFailureGuard.RunAsync(context, read.ListAsync(context)));
        group.MapGet("/{name}", (HttpContext context, string name) => StoreFailureGuard.RunAsync(context, subscribe.SubscribeAsync(context, name)));
        group.MapPost("/{name}", (HttpContext context, string name) => StoreFailureGuard.RunAsync(context, publish.PublishAsync(context, name)));
        group.MapPost("/{name}/batch", (HttpContext context, string name) => StoreFailureGuard.RunAsync(context, publish.PublishBatchAsync(context, name)));
        group.MapGet("/{name}/info", (HttpContext context, string name) => StoreFailureGuard.RunAsync(context, read.InfoAsync(context, name)));
        group.MapGet("/{name}/events", (HttpContext context, string name) => StoreFailureGuard.RunAsync(context, read.EventsAsync(context, name)));
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
