using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Herald;

/// <summary>Chooses Herald's store, and optionally an authorizer, after <see cref="HeraldServiceCollectionExtensions.AddHerald"/>.</summary>
public sealed class HeraldBuilder
{
    internal HeraldBuilder(IServiceCollection services) => Services = services;

    /// <summary>The application's services.</summary>
    public IServiceCollection Services { get; }

    /// <summary>
    /// Keeps the log in memory: fast, but history, idempotency keys and the epoch are lost when the process ends, so IDs
    /// start again at 1 (clients that resume get <c>reset</c>). For tests and for data that may be lost.
    /// </summary>
    public HeraldBuilder UseInMemory() =>
        UseStore(static sp => new MemoryEventLog(sp.GetRequiredService<IOptions<HeraldOptions>>().Value.ToEventLogOptions(sp.GetRequiredService<TimeProvider>())));

    /// <summary>
    /// Lets <typeparamref name="TAuthorizer"/> decide who may subscribe to and publish on each stream over HTTP (see
    /// <see cref="IHeraldAuthorizer"/>). Registered as scoped, replacing any earlier authorizer.
    /// </summary>
    public HeraldBuilder UseAuthorizer<TAuthorizer>()
        where TAuthorizer : class, IHeraldAuthorizer
    {
        Services.RemoveAll<IHeraldAuthorizer>();
        Services.AddScoped<IHeraldAuthorizer, TAuthorizer>();
        return this;
    }

    /// <summary>Uses the store that <paramref name="factory"/> opens once, at start; the host disposes it at shutdown.</summary>
    public HeraldBuilder UseStore(Func<IServiceProvider, IEventLog> factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        Services.RemoveAll<IEventLog>();
        Services.AddSingleton(factory);
        return this;
    }
}
