namespace Herald.ModelContextProtocol.Tests;

/// <summary>A real SQLite file in a temp folder, opened and reopened as a restarted process would.</summary>
internal sealed class SqliteStore : IAsyncDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly EventLogOptions _options;

    private SqliteStore(EventLogOptions options) => _options = options;

    public SqliteEventLog Log { get; private set; } = null!;

    public static async Task<SqliteStore> OpenAsync(EventLogOptions? options = null)
    {
        SqliteStore store = new(options ?? new EventLogOptions());
        store.Log = await store.OpenLogAsync();
        return store;
    }

    /// <summary>Closes the file and opens it again: what a restart sees.</summary>
    public async Task ReopenAsync()
    {
        await Log.DisposeAsync();
        Log = await OpenLogAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await Log.DisposeAsync();
        _dir.Dispose();
    }

    private Task<SqliteEventLog> OpenLogAsync() =>
        SqliteEventLog.OpenAsync(new SqliteEventLogOptions(_dir.File("mcp.db")) { Log = _options });
}
