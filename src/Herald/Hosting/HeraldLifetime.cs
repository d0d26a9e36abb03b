using Herald.Delivery;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Herald.Hosting;

/// <summary>
/// Opens the store when the host starts (so a bad path fails the start, not the first request) and, when it stops,
/// ends every SSE response so clients reconnect. The store itself is drained when the host disposes it, after Kestrel
/// has finished the requests in flight.
/// </summary>
internal sealed partial class HeraldLifetime : IHostedService
{
    private readonly IServiceProvider _services;
    private readonly IHostApplicationLifetime _lifetime;
    private readonly ILogger<HeraldLifetime> _logger;
    private CancellationTokenRegistration _onStopping;

    public HeraldLifetime(IServiceProvider services, IHostApplicationLifetime lifetime, ILogger<HeraldLifetime> logger)
    {
        _services = services;
        _lifetime = lifetime;
        _logger = logger;
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        IEventLog log = _services.GetService<IEventLog>()
            ?? throw new InvalidOperationException("Herald has no store: call UseSqlite(path), UseInMemory() or UseStore(...) after AddHerald().");
        SubscriptionHub hub = _services.GetRequiredService<SubscriptionHub>();
        // The store counts sequence regressions itself (it has no metrics dependency) and answers readiness checks;
        // the meter's observable instruments read both at each collection.
        _services.GetService<HeraldMetrics>()?.TrackStore(log);

        _onStopping = _lifetime.ApplicationStopping.Register(hub.Stop);
        Log.Started(_logger, log.GetType().Name, log.Epoch);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        _onStopping.Dispose();
        return Task.CompletedTask;
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1, Level = LogLevel.Information, Message = "Herald store ready: {Store}, epoch {Epoch}")]
        public static partial void Started(ILogger logger, string store, string epoch);
    }
}
