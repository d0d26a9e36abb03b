using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Herald.Http.Limits;

/// <summary>
/// One place that turns a store that cannot answer into docs/protocol.md's terms: a <c>503</c> problem with <c>Retry-After</c>
/// when nothing was sent yet, never a <c>500</c>; an SSE response already under way ends on a frame boundary, so its
/// client reconnects and resumes by <c>Last-Event-ID</c>.
/// </summary>
internal static partial class StoreFailureGuard
{
    public static async Task RunAsync(HttpContext context, Task handler)
    {
        try
        {
            await handler;
        }
        catch (EventLogUnavailableException ex)
        {
            ILogger logger = context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("Herald.Store");
            Log.StoreUnavailable(logger, context.Request.Method, context.Request.Path, ex);
            if (!context.Response.HasStarted)
            {
                await Problems.WriteAsync(context, Problem.Unavailable("The store cannot answer now; retry shortly."));
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(EventId = 1002, Level = LogLevel.Warning, Message = "The store could not serve {Method} {Path}")]
        public static partial void StoreUnavailable(ILogger logger, string method, PathString path, Exception exception);
    }
}
