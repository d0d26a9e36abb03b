using Herald.Delivery;
using Herald.Hosting;
using Herald.Http;
using Herald.Http.Limits;
using Herald.Http.Security;
using Herald.Publishing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald;

/// <summary>Registers Herald in an application's services.</summary>
public static class HeraldServiceCollectionExtensions
{
    /// <summary>
    /// Adds Herald's services; choose a store on the returned builder (<see cref="HeraldBuilder.UseInMemory"/>,
    /// <c>UseSqlite</c>), then map the endpoints with <see cref="HeraldEndpointRouteBuilderExtensions.MapHerald"/>.
    /// Options are validated when the host starts, with messages that name the option.
    /// </summary>
    public static HeraldBuilder AddHerald(this IServiceCollection services, Action<HeraldOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        OptionsBuilder<HeraldOptions> options = services.AddOptions<HeraldOptions>();
        if (configure is not null)
        {
            options.Configure(configure);
        }

        // HeraldOptionsValidator reports every problem, each naming its option; ValidateOnStart makes them fail the start.
        options.ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<HeraldOptions>, HeraldOptionsValidator>());
        services.TryAddSingleton(TimeProvider.System);
        services.AddMetrics(); // IMeterFactory, which a host built by WebApplication/Host already has; TryAdd inside
        services.TryAddSingleton<HeraldMetrics>();
        services.TryAddSingleton<SubscriptionHub>();
        services.TryAddSingleton<PublisherAuthorization>();
        services.TryAddSingleton<PublishEndpoints>();
        services.TryAddSingleton<SubscribeEndpoint>();
        services.TryAddSingleton<SubscribeManyEndpoint>();
        services.TryAddSingleton<ReadEndpoints>();
        services.TryAddSingleton<IEventPublisher, EventPublisher>();
        services.AddHostedService<HeraldLifetime>();
        services.TryAddSingleton<SubscriberAuthorization>();
        services.TryAddSingleton<ConnectionLimits>();
        services.TryAddSingleton<ReadLimits>();
        services.TryAddSingleton<PublishRateLimit>();
        services.AddHostedService<SubscriberLagSampler>();
        services.AddCors();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IConfigureOptions<Microsoft.AspNetCore.Cors.Infrastructure.CorsOptions>, HeraldCors>());
        return new HeraldBuilder(services);
    }
}
