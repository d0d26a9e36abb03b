using Herald;

namespace OrderBoard;

/// <summary>The whole app: Herald on SQLite, its endpoints under /streams, the app's own /orders endpoint and page.</summary>
internal static class OrderBoardApp
{
    public static WebApplication Build(string[] args)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
        string database = builder.Configuration["OrderBoard:Database"] ?? "orderboard.db";

        // Herald with a durable store: IDs 1, 2, 3, … per stream, on disk before any subscriber sees them.
        // Options are checked when the app starts; a bad one stops it with a message that names the option.
        builder.Services.AddHerald(options =>
        {
            options.Retention = 10_000;                      // events kept per stream
            options.Heartbeat = TimeSpan.FromSeconds(15);    // keeps idle connections open through proxies
        })
        .UseSqlite(database)
        .UseAuthorizer<OrdersOnlyAuthorizer>();              // who may read or publish which stream over HTTP

        // The app's own errors (an invalid order) are problem+json, like Herald's.
        builder.Services.AddProblemDetails();

        WebApplication app = builder.Build();
        app.UseDefaultFiles();
        app.UseStaticFiles();

        // GET /streams/orders is the live, resumable feed the page follows. The returned group takes the usual
        // conventions; a real app would add .RequireAuthorization("its-policy") here.
        app.MapHerald("/streams").WithTags("Live updates");
        app.MapHeraldOperations();                            // /healthz, /readyz
        app.MapHeraldClient();                                // /herald.js, which the page uses

        // The app's own endpoint: validates the order, then publishes the domain event through IEventPublisher.
        app.MapPost("/orders", OrderEndpoints.PlaceAsync).WithTags("Orders");
        return app;
    }
}
