using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Herald.Cli.Tests;

/// <summary>Remembers every subscribe request the server is serving so a test can cut them all, as a network failure would.</summary>
internal sealed class ConnectionCutter : IStartupFilter
{
    private readonly ConcurrentQueue<HttpContext> _subscriptions = new();
    private int _seen;

    /// <summary>Subscribe requests received so far (a reconnect adds one).</summary>
    public int Seen => Volatile.Read(ref _seen);

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use(async (context, following) =>
        {
            if (HttpMethods.IsGet(context.Request.Method) && context.Request.Path.Value is string path && path.StartsWith("/streams/", StringComparison.Ordinal) && path.Count(c => c == '/') == 2)
            {
                _subscriptions.Enqueue(context);
                Interlocked.Increment(ref _seen);
            }

            await following(context);
        });
        next(app);
    };

    public void CutAll()
    {
        while (_subscriptions.TryDequeue(out HttpContext? context))
        {
            context.Abort();
        }
    }
}
