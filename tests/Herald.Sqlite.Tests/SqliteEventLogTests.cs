using System.Text;
using Microsoft.Data.Sqlite;

namespace Herald.Sqlite.Tests;

/// <summary>What only the SQLite store has: schema versioning, pragmas, and failure inside a group commit.</summary>
public sealed class SqliteEventLogTests : IAsyncLifetime
{
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);
    private readonly SqliteTestDirectory _directory = new();
    private readonly List<SqliteEventLog> _opened = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (SqliteEventLog log in _opened)
        {
            await log.DisposeAsync();
        }

        _directory.Delete();
    }

    // Real SQLite errors, not a test hook: one in the middle of the event rows (the 3rd of 5 new rows, ID 5), and one
    // after every row is written, when the stream's `last` is saved, by which time the writer's cache has moved on.
    [Theory]
    [InlineData("BEFORE INSERT ON events WHEN NEW.id = 5")]
    [InlineData("BEFORE UPDATE ON streams")]
    public async Task Append_TransactionFails_AppendsNothingAndLaterAppendsContinue(string trigger)
    {
        string path = _directory.File("fail.db");
        SqliteEventLog log = await OpenAsync(path);
        await log.AppendAsync("s", [Event("a"), Event("b")], null, default);

        Execute(path, $"CREATE TRIGGER fail {trigger} BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");
        EventData[] batch = [Event("c"), Event("d"), Event("e"), Event("f"), Event("g")];
        EventLogUnavailableException error = await Assert.ThrowsAsync<EventLogUnavailableException>(
            () => log.AppendAsync("s", batch, "key", default).WaitAsync(s_timeout));

        Assert.Contains("injected failure", error.InnerException?.Message, StringComparison.Ordinal);
        Assert.Equal(new StreamInfo(1, 2), await log.GetInfoAsync("s", default));
        Assert.Equal(2, (await log.ReadAsync("s", 0, 100, default)).Count);

        // The failed append's stream state and key were rolled back, so the same call now appends at 3..7.
        Execute(path, "DROP TRIGGER fail;");
        AppendResult retried = await log.AppendAsync("s", batch, "key", default).WaitAsync(s_timeout);
        AppendResult next = await log.AppendAsync("s", [Event("h")], null, default).WaitAsync(s_timeout);

        Assert.Equal(new AppendResult(3, 7, false), retried);
        Assert.Equal(new AppendResult(8, 8, false), next);
        Assert.Equal("abcdefgh", string.Concat((await log.ReadAsync("s", 0, 100, default)).Select(e => Encoding.UTF8.GetString(e.Data.Span))));
    }

    [Fact]
    public async Task Append_NewStreamFailsToCommit_StreamStaysUnknown()
    {
        string path = _directory.File("newstream.db");
        SqliteEventLog log = await OpenAsync(path);
        await log.AppendAsync("warm", [Event("x")], null, default);
        Execute(path, "CREATE TRIGGER fail_all BEFORE UPDATE ON streams WHEN NEW.stream_id > 1 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;");

        await Assert.ThrowsAsync<EventLogUnavailableException>(() => log.AppendAsync("s", [Event("a")], null, default).WaitAsync(s_timeout));
        Execute(path, "DROP TRIGGER fail_all;");

        Assert.Equal(new StreamInfo(null, 0), await log.GetInfoAsync("s", default));
        Assert.Equal(new AppendResult(1, 1, false), await log.AppendAsync("s", [Event("a")], null, default).WaitAsync(s_timeout));
    }

    [Fact]
    public async Task Open_NewerSchemaVersion_RefusesWithClearMessage()
    {
        string path = _directory.File("newer.db");
        await (await SqliteEventLog.OpenAsync(new SqliteEventLogOptions(path))).DisposeAsync();
        Execute(path, "PRAGMA user_version = 7;");

        InvalidOperationException error = await Assert.ThrowsAsync<InvalidOperationException>(
            () => SqliteEventLog.OpenAsync(new SqliteEventLogOptions(path)));

        Assert.Contains("schema version 7", error.Message, StringComparison.Ordinal);
        Assert.Contains("newer", error.Message, StringComparison.Ordinal);
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Open_MissingDirectory_CreatesFileAtSchemaVersionOneInWalMode()
    {
        string path = Path.Combine(_directory.Path, "a", "b", "herald.db");

        SqliteEventLog log = await OpenAsync(path);
        await log.DisposeAsync();

        Assert.True(File.Exists(path));
        Assert.Equal(1L, Scalar(path, "PRAGMA user_version"));
        Assert.Equal("wal", Scalar(path, "PRAGMA journal_mode"));
        Assert.Equal(log.Epoch, Scalar(path, "SELECT value FROM meta WHERE key = 'epoch'"));
    }

    [Theory]
    [InlineData(true, 2L)]
    [InlineData(false, 1L)]
    public async Task Open_SynchronousOption_AppliesPragma(bool full, long expected)
    {
        SqliteEventLog log = await OpenAsync(_directory.File("sync.db"), full);

        Assert.Equal(expected, log.SynchronousMode);
        Assert.Equal("wal", log.JournalMode);
        Assert.Equal(new AppendResult(1, 1, false), await log.AppendAsync("s", [Event("a")], null, default));
    }

    [Fact]
    public async Task Append_QueueLargerThanOneTransaction_SplitsIntoSeveralCommitsEachRequestContiguous()
    {
        SqliteEventLog log = await OpenAsync(_directory.File("big.db"));
        EventData[] batch = Enumerable.Range(0, 5_000).Select(i => Event($"e{i}")).ToArray();
        var release = new TaskCompletionSource();
        Task held = log.HoldWriterForTest(release.Task);
        long commitsBefore = log.CommitCount;

        // All 8 requests (40,000 events) are queued before the writer takes any: more than one transaction's 16,384.
        Task<AppendResult>[] tasks = Enumerable.Range(0, 8).Select(_ => log.AppendAsync("s", batch, null, default)).ToArray();
        release.SetResult();
        await held.WaitAsync(s_timeout);
        AppendResult[] results = await Task.WhenAll(tasks).WaitAsync(s_timeout);

        Assert.InRange(log.CommitCount - commitsBefore, 2, 8);

        Assert.Equal(Enumerable.Range(0, 8).Select(i => (long)(i * 5_000) + 1), results.Select(r => r.First).Order());
        Assert.All(results, r => Assert.Equal(4_999, r.Last - r.First));
        Assert.Equal(new StreamInfo(1, 40_000), await log.GetInfoAsync("s", default));
    }

    // With the package's own provider the per-row calls must bind to its library; if resolution broke, every read and
    // insert would quietly fall back to the slower SQLitePCLRaw path (the conformance suite runs whichever is bound).
    [Fact]
    public void NativeCalls_WithThePackagesOwnProvider_AreBound()
    {
        Assert.Equal("e_sqlite3", SQLitePCL.raw.GetNativeLibraryName());
        Assert.True(NativeSqlite.Available);
    }

    // The writer binds through the native entry points: values up to 16 KiB without the GC transition, larger ones with it.
    // An empty type must stay "" and not become NULL (a null pointer binds NULL), and empty data must stay empty.
    [Fact]
    public async Task Append_EmptyTypeEmptyDataAndValuesEitherSideOfTheSmallBindLimit_RoundTripExactly()
    {
        SqliteEventLog log = await OpenAsync(_directory.File("binds.db"));
        byte[] atLimit = new byte[16 * 1024];
        byte[] overLimit = new byte[(16 * 1024) + 1];
        new Random(11).NextBytes(atLimit);
        new Random(12).NextBytes(overLimit);
        string longType = new('t', (16 * 1024) + 1);
        EventData[] events =
        [
            new("", Array.Empty<byte>()),
            new(null, Array.Empty<byte>()),
            new("", "x"u8.ToArray()),
            new("at", atLimit),
            new("over", overLimit),
            new(longType, "long type"u8.ToArray()),
        ];

        await log.AppendAsync("s", events, null, default);
        await log.AppendAsync("s", [new EventData("", "single"u8.ToArray())], null, default);

        IReadOnlyList<StoredEvent> stored = await log.ReadAsync("s", 0, 100, default);
        Assert.Equal(events.Length + 1, stored.Count);
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(events[i].EventType, stored[i].EventType);
            Assert.Equal(events[i].Data.ToArray(), stored[i].Data.ToArray());
        }

        Assert.Equal("", stored[^1].EventType);
        Assert.Equal("single"u8.ToArray(), stored[^1].Data.ToArray());
    }

    // A page's small events are copied into shared buffers (one allocation per 64 KiB, not one per event); a read of one
    // event must not hold such a buffer, and an event too large to share gets exactly its own bytes.
    [Fact]
    public async Task Read_SmallEventsShareBuffersButAOneEventReadAndALargeEventHoldOnlyTheirOwnBytes()
    {
        SqliteEventLog log = await OpenAsync(_directory.File("chunks.db"));
        byte[] large = new byte[40_000];
        new Random(7).NextBytes(large);
        EventData[] events = [.. Enumerable.Range(0, 1_000).Select(i => Event($"small event {i:D4} " + new string('x', 180))), new EventData("big", large)];
        await log.AppendAsync("s", events, null, default);

        IReadOnlyList<StoredEvent> page = await log.ReadAsync("s", 0, 2_000, default);
        Assert.Equal(events.Select(e => e.Data.ToArray()), page.Select(e => e.Data.ToArray()));
        int buffers = page.Take(1_000).Select(e => Array(e.Data)).Distinct().Count();
        Assert.InRange(buffers, 1, 4); // ~200 KB of small events in 64 KiB buffers
        Assert.Equal(large.Length, Array(page[1_000].Data).Length);

        IReadOnlyList<StoredEvent> one = await log.ReadAsync("s", 41, 1, default);
        Assert.Equal(events[41].Data.ToArray(), one[0].Data.ToArray());
        Assert.Equal(one[0].Data.Length, Array(one[0].Data).Length);

        static byte[] Array(ReadOnlyMemory<byte> data) =>
            System.Runtime.InteropServices.MemoryMarshal.TryGetArray(data, out ArraySegment<byte> segment) ? segment.Array! : throw new InvalidOperationException("not an array");
    }

    [Fact]
    public async Task Append_CancelledWhileQueuedBeforeTheWriterTakesIt_AppendsNothing()
    {
        SqliteEventLog log = await OpenAsync(_directory.File("cancel.db"));
        var release = new TaskCompletionSource();
        Task held = log.HoldWriterForTest(release.Task);
        using var cts = new CancellationTokenSource();

        Task<AppendResult> queued = log.AppendAsync("s", [Event("a")], null, cts.Token); // queued: the writer is held
        Task<AppendResult> after = log.AppendAsync("t", [Event("b")], null, default);
        await cts.CancelAsync();
        Assert.False(queued.IsCompleted, "the append completed before the writer took it");
        release.SetResult();
        await held.WaitAsync(s_timeout);

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => queued.WaitAsync(s_timeout));
        Assert.Equal(new AppendResult(1, 1, false), await after.WaitAsync(s_timeout)); // the writer went on
        Assert.Equal(new StreamInfo(null, 0), await log.GetInfoAsync("s", default));
    }

    [Fact]
    public async Task Append_CancelledBeforeTheCall_IsNeverQueuedAndAppendsNothing()
    {
        SqliteEventLog log = await OpenAsync(_directory.File("cancel-early.db"));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => log.AppendAsync("s", [Event("a")], null, cts.Token));

        Assert.Equal(new StreamInfo(null, 0), await log.GetInfoAsync("s", default));
    }

    private async Task<SqliteEventLog> OpenAsync(string path, bool synchronousFull = true)
    {
        SqliteEventLog log = await SqliteEventLog.OpenAsync(new SqliteEventLogOptions(path) { SynchronousFull = synchronousFull });
        _opened.Add(log);
        return log;
    }

    private static EventData Event(string data) => new(null, Encoding.UTF8.GetBytes(data));

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }

    private static void Execute(string path, string sql)
    {
        using SqliteConnection connection = Connect(path);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(string path, string sql)
    {
        using SqliteConnection connection = Connect(path);
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
