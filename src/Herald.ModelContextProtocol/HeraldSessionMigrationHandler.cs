using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using ModelContextProtocol.AspNetCore;
using ModelContextProtocol.Protocol;

namespace Herald.ModelContextProtocol;

/// <summary>
/// Keeps each MCP session's <c>initialize</c> parameters in Herald's store, so that a restarted node, or another node,
/// can take the session over when its client comes back with <c>Mcp-Session-Id</c> — without which the SDK answers 404
/// before the event store is even asked to resume. Only the user who opened the session can take it over.
/// </summary>
internal sealed partial class HeraldSessionMigrationHandler : ISessionMigrationHandler
{
    private readonly IEventLog _log;
    private readonly ILogger _logger;

    public HeraldSessionMigrationHandler(IEventLog log, ILogger<HeraldSessionMigrationHandler>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(log);
        _log = log;
        _logger = logger ?? NullLogger<HeraldSessionMigrationHandler>.Instance;
    }

    /// <inheritdoc />
    public async ValueTask OnSessionInitializedAsync(HttpContext context, string sessionId, InitializeRequestParams initializeParams, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(initializeParams);
        SessionUser? user = SessionUser.Of(context.User, out _);
        SessionRecord record = new(sessionId, user, initializeParams);

        // Durable before the initialize response leaves: a session the client knows of is one any node can take over.
        await _log.AppendAsync(McpStreamNames.ForSession(sessionId), [record.Encode()], idempotencyKey: null, cancellationToken).ConfigureAwait(false);
    }

    /// <inheritdoc />
    public async ValueTask<InitializeRequestParams?> AllowSessionMigrationAsync(HttpContext context, string sessionId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(sessionId);
        string stream = McpStreamNames.ForSession(sessionId);
        StreamInfo info = await _log.GetInfoAsync(stream, cancellationToken).ConfigureAwait(false);
        if (info.Last == 0)
        {
            LogUnknownSession(stream);
            return null;
        }

        // The newest record wins: a session initialized twice takes the parameters of its latest initialize.
        IReadOnlyList<StoredEvent> newest = await _log.ReadAsync(stream, info.Last - 1, 1, cancellationToken).ConfigureAwait(false);
        SessionRecord? record = newest.Count == 1 ? SessionRecord.Decode(newest[0]) : null;
        if (record is null || !string.Equals(record.SessionId, sessionId, StringComparison.Ordinal))
        {
            LogUnknownSession(stream);
            return null;
        }

        SessionUser? user = SessionUser.Of(context.User, out bool valid);
        if (!valid || user != record.User)
        {
            LogOtherUser(stream);
            return null;
        }

        LogMigrated(stream);
        return record.Initialize;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "No MCP session is stored under {Stream}; the request gets 404.")]
    private partial void LogUnknownSession(string stream);

    [LoggerMessage(Level = LogLevel.Warning, Message = "MCP session {Stream} belongs to another user; it is not taken over.")]
    private partial void LogOtherUser(string stream);

    [LoggerMessage(Level = LogLevel.Information, Message = "MCP session {Stream} taken over from the store.")]
    private partial void LogMigrated(string stream);
}
