using Herald.Testing;

namespace Herald.Sqlite.Tests;

/// <summary>The SQLite store against the shared suite, each test in its own temporary directory.</summary>
public sealed class SqliteEventLogConformanceTests : PersistentEventLogConformanceTests
{
    private readonly SqliteTestDirectory _directory = new();
    private int _created;
    private string? _lastPath;

    protected override async Task<IEventLog> CreateLogAsync(EventLogOptions options)
    {
        _lastPath = _directory.File($"store-{++_created}.db");
        return await SqliteEventLog.OpenAsync(new SqliteEventLogOptions(_lastPath) { Log = options });
    }

    protected override async Task<IEventLog> ReopenLogAsync(EventLogOptions options) =>
        await SqliteEventLog.OpenAsync(new SqliteEventLogOptions(LastPath) { Log = options });

    protected override Task DeleteStoreAsync()
    {
        SqliteTestDirectory.DeleteDatabase(LastPath);
        return Task.CompletedTask;
    }

    public override async Task DisposeAsync()
    {
        await base.DisposeAsync();
        _directory.Delete();
    }

    private string LastPath => _lastPath ?? throw new InvalidOperationException("No store was created yet.");
}
