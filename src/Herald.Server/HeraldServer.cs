using Microsoft.AspNetCore.Builder;

namespace Herald.Server;

/// <summary>Builds the standalone host from its settings with the same calls an application embedding Herald makes.</summary>
internal static class HeraldServer
{
    public static WebApplication Build(ServerSettings settings, Action<WebApplicationBuilder>? configure = null)
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions
        {
            Args = [],
            ContentRootPath = AppContext.BaseDirectory,
        });
        builder.WebHost.UseUrls(settings.Urls);

        // Say nothing about the stack to whoever connects.
        builder.WebHost.ConfigureKestrel(o => o.AddServerHeader = false);
        builder.WebHost.ConfigureKestrel(o => ServerLimits.Apply(o.Limits, settings));
        builder.WebHost.UseSockets(o => o.UnsafePreferInlineScheduling = settings.InlineScheduling);

        // Request logs at Information print the URL with its query, where a subscriber's access_token may be: keep them off.
        // Entirely off, not just above Information: while this category is enabled at any level, hosting starts an Activity
        // and a log scope for every request, which an open subscription then holds for its whole life. Start-up failures
        // are still reported, by Program.cs.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.None);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = settings.ShutdownTimeout);
        builder.Logging.AddSimpleConsole(o =>
        {
            o.SingleLine = true;
            o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            o.UseUtcTimestamp = true;
        });

        HeraldBuilder herald = builder.Services.AddHerald(o => o.CopyFrom(settings.Herald));
        if (settings.Store.Kind == StoreKind.Sqlite)
        {
            herald.UseSqlite(settings.Store.Path!, settings.SqliteSynchronousFull);
        }
        else if (settings.Store.Kind == StoreKind.Redis)
        {
            herald.UseRedis(settings.Store.Path!, o => o with { WaitReplicas = settings.RedisWaitReplicas });
        }
        else
        {
            herald.UseInMemory();
        }

        builder.Services.AddHeraldPrometheus();
        builder.Services.AddHostedService<IdleMemoryTrim>(); // a wave of departed subscribers gives its memory back
        configure?.Invoke(builder);
        WebApplication app = builder.Build();
        RequestSizeLimits.Use(app, settings.MaxRequestLineBytes, settings.MaxRequestHeadersBytes); // 414/431 as problem+json
        AllowedHosts.Use(app, settings.AllowedHosts); // a page on another host name (DNS rebinding) gets nothing
        TrustedProxies.Use(app, settings.TrustedProxies); // every limit and rule below sees the client, not the proxy
        app.UseCors(); // applies HeraldOptions.CorsOrigins to the endpoints MapHerald marks
        app.MapHerald("/streams");
        app.MapHeraldOperations();
        app.MapHeraldMetrics(); // the Herald meter as Prometheus text: the library itself exports nothing
        app.MapHeraldClient();
        app.MapHeraldConsole();
        return app;
    }
}
