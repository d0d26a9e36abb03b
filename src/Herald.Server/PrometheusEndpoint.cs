using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Prometheus;

namespace Herald.Server;

/// <summary>
/// <c>GET /metrics</c> in the Prometheus text format (docs/protocol.md "Operations"). Lives in the server, not the library:
/// the library only instruments the <c>Herald</c> meter, and an app embedding it exports that meter its own way.
/// </summary>
internal static class PrometheusEndpoint
{
    /// <summary>Registers the bridge; it listens from when it is first resolved, which <see cref="MapHeraldMetrics"/> does before the host starts.</summary>
    public static IServiceCollection AddHeraldPrometheus(this IServiceCollection services)
    {
        services.TryAddSingleton<PrometheusMeterBridge>();
        return services;
    }

    public static IEndpointConventionBuilder MapHeraldMetrics(this IEndpointRouteBuilder endpoints, string pattern = "/metrics")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        PrometheusMeterBridge bridge = endpoints.ServiceProvider.GetRequiredService<PrometheusMeterBridge>();
        return endpoints.MapMetrics(pattern, bridge.Registry);
    }
}
