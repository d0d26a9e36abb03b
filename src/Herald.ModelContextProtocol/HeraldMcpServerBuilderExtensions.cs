using Herald.ModelContextProtocol;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Server;

namespace Herald;

// The SDK marks its own WithDistributedCacheEventStreamStore this way: resumable streams need stateful sessions, which
// SDK 2.4.0 keeps for clients of protocol revisions up to 2025-11-25. Applications see the same diagnostic for both.

/// <summary>Puts an MCP server's resumable streams and sessions in Herald's store (docs/mcp.md).</summary>
public static class HeraldMcpServerBuilderExtensions
{
    private const string ObsoleteMessage = "Resumable streams need stateful Streamable HTTP sessions, which the MCP SDK keeps as a back-compat escape hatch for 2025-11-25 protocol revision clients and earlier (SEP-2567); see docs/mcp.md.";

    /// <summary>
    /// Registers Herald's <see cref="IEventLog"/> as the <see cref="ISseEventStreamStore"/> of the Streamable HTTP
    /// transport: every SSE event is appended durably before it is sent, and a client that reconnects with
    /// <c>Last-Event-ID</c> gets every later event once, in order, from any node that shares the store. Needs Herald's
    /// store (<c>services.AddHerald().UseSqlite(…)</c> or <c>UseRedis(…)</c>) and stateful sessions.
    /// </summary>
    [Obsolete(ObsoleteMessage, DiagnosticId = "MCP9006", UrlFormat = "https://github.com/modelcontextprotocol/csharp-sdk/blob/main/docs/list-of-diagnostics.md#obsolete-apis")]
    public static IMcpServerBuilder WithHeraldEventStreamStore(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ISseEventStreamStore>();
        builder.Services.AddSingleton<ISseEventStreamStore>(sp => ActivatorUtilities.CreateInstance<HeraldEventStreamStore>(sp, RequireLog(sp)));
        return builder;
    }

    /// <summary>
    /// Registers an <see cref="ISessionMigrationHandler"/> that keeps each session's <c>initialize</c> parameters in
    /// Herald's store, so that after a restart, or on another node, a client's <c>Mcp-Session-Id</c> is still known
    /// and its streams can be resumed. A session can be taken over only by the user who opened it.
    /// </summary>
    [Obsolete(ObsoleteMessage, DiagnosticId = "MCP9006", UrlFormat = "https://github.com/modelcontextprotocol/csharp-sdk/blob/main/docs/list-of-diagnostics.md#obsolete-apis")]
    public static IMcpServerBuilder WithHeraldSessionMigration(this IMcpServerBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.RemoveAll<ISessionMigrationHandler>();
        builder.Services.AddSingleton<ISessionMigrationHandler>(sp => ActivatorUtilities.CreateInstance<HeraldSessionMigrationHandler>(sp, RequireLog(sp)));
        return builder;
    }

    private static IEventLog RequireLog(IServiceProvider services) =>
        services.GetService<IEventLog>()
        ?? throw new InvalidOperationException("Herald's MCP store needs Herald's event log: call services.AddHerald().UseSqlite(path) (or UseRedis, UseInMemory) as well.");
}
