using System.Collections.Concurrent;
using System.Globalization;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Herald;

/// <summary>
/// The embedded durable store (docs/design.md): one SQLite file in WAL mode. A single writer task owns the only write
/// connection and commits every append waiting in its queue in one transaction (group commit); reads run on their own
/// connections, concurrently with the writer.
/// </summary>
public sealed partial class SqliteEventLog : IEventLog
{
    /// <summary>The schema this build creates and reads (<c>PRAGMA user_version</c>).</summary>
    public const int SchemaVersion = 1;

    // Read sessions: at most this many read at once, each on a pooled session. A read beyond them waits asynchronously
    // for one, so 5,000 subscribers connecting at once neither open 5,000 SQLite connections (each with its own page
    // cache in native memory) nor block 5,000 pool threads (which would make the runtime inject threads).
    private static readonly int s_maxReadSessions = Math.Max(4, Environment.ProcessorCount * 2);

    private readonly SqliteEventLogOptions _options;
    private readonly ILogger _logger;
    private readonly AppendWatchers _watchers;
    private readonly ConcurrentQueue<ReadSession> _idleReadSessions = new();
    private readonly SemaphoreSlim _readSlots = new(s_maxReadSessions, s_maxReadSessions);
    private readonly Channel<AppendRequest> _requests = Channel.CreateUnbounded<AppendRequest>(
        new UnboundedChannelOptions { SingleReader = true, SingleWriter = false, AllowSynchronousContinuations = false });

    private readonly Writer _writer;
    private Task _writerTask = Task.CompletedTask;
    private FileStream? _writerLock;
    private volatile bool _commitFailing;
    private volatile Exception? _writerFailure;
    private Task? _disposeTask;
    private volatile bool _disposed;
    private long _commits;

    private SqliteEventLog(SqliteEventLogOptions options, ILogger logger, SqliteConnection writeConnection, string epoch)
    {
        _options = options;
        _logger = logger;
        Epoch = epoch;
        _watchers = new AppendWatchers((stream, ex) => Log.AppendedHandlerFailed(logger, ex, stream));
        _writer = new Writer(this, writeConnection);
    }

    /// <inheritdoc />
    public string Epoch { get; }

    /// <summary>The file this store writes to, as a full path.</summary>
    public string Path => _options.Path;

    /// <summary>The writer connection's <c>PRAGMA synchronous</c> as SQLite reports it after open: 2 for FULL, 1 for NORMAL.</summary>
    internal long SynchronousMode { get; private set; }

    /// <summary>Transactions committed since open: appends per commit is the group-commit factor.</summary>
    internal long CommitCount => Interlocked.Read(ref _commits);

    /// <summary>The writer connection's <c>PRAGMA journal_mode</c> as SQLite reports it after open.</summary>
    internal string JournalMode { get; private set; } = "";

    /// <summary>
    /// Opens the store at <see cref="SqliteEventLogOptions.Path"/>, creating the file, its directory and the schema when
    /// missing, and starts the writer.
    /// </summary>
    /// <exception cref="InvalidOperationException">The file holds a schema newer than this build reads.</exception>
    public static async Task<SqliteEventLog> OpenAsync(SqliteEventLogOptions options, ILogger<SqliteEventLog>? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        options = options with { Path = System.IO.Path.GetFullPath(options.Path) };
        cancellationToken.ThrowIfCancellationRequested();

        string? directory = System.IO.Path.GetDirectoryName(options.Path);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        FileStream writerLock = TakeWriterLock(options.Path);

        // The provider's pool stays off: closing the store then really closes the file (read sessions open their own
        // native connections, see ReadSession.Open).
        string connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = options.Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = false,
        }.ToString();

        SqliteConnection connection = new(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            ExecutePragma(connection, "PRAGMA schema_version"); // reads the header: a file that is not a database fails here
            ExecutePragma(connection, $"PRAGMA busy_timeout={(int)options.BusyTimeout.TotalMilliseconds}");
            // Takes effect only when the file is new (an existing store keeps its page size). Events are appended at the right
            // edge of one B-tree, and bigger pages mean fewer page splits and less per-page work per row. Measured with
            // bench/Herald.Load (batch, 4 publishers, 3 alternating runs each, synchronous=FULL): 4 KiB pages, the default,
            // median 181k events/s; 16 KiB, 262k (docs/benchmarks.md).
            ExecutePragma(connection, "PRAGMA page_size=16384");
            string journalMode = Convert.ToString(ExecutePragma(connection, "PRAGMA journal_mode=WAL"), CultureInfo.InvariantCulture) ?? "";
            if (!string.Equals(journalMode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"SQLite refused WAL mode for '{options.Path}' (journal_mode is '{journalMode}'); the store needs WAL for concurrent reads.");
            }

            ExecutePragma(connection, options.SynchronousFull ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
            long synchronous = Convert.ToInt64(ExecutePragma(connection, "PRAGMA synchronous"), CultureInfo.InvariantCulture);

            // The writer's page cache should hold a whole group commit and the B-tree edges it touches. Measured (A/B, one
            // process): with SQLite's 2 MiB default a commit of 1,000 200-byte events took ~6 ms, with 32 MiB ~2 ms;
            // 128 MiB was no better. Larger transactions still work, SQLite spills the excess.
            ExecutePragma(connection, "PRAGMA cache_size=-32768");

            string epoch = Schema.EnsureCreated(connection, options.Path);
            var log = new SqliteEventLog(options, logger ?? (ILogger)NullLogger<SqliteEventLog>.Instance, connection, epoch)
            {
                SynchronousMode = synchronous,
                JournalMode = journalMode,
                _writerLock = writerLock,
            };
            // The writer blocks in every commit's fsync, so it gets a thread of its own instead of holding a pool thread, and its
            // wake-up never queues behind request work. Measured (32 single-event publishers, 4 alternating runs): median
            // 14.4k events/s on the pool, 15.9k on its own thread.
            log._writerTask = Task.Factory.StartNew(log._writer.Run, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            Log.Opened(log._logger, options.Path, epoch, SchemaVersion, options.SynchronousFull ? "FULL" : "NORMAL");
            return log;
        }
        catch (SqliteException ex)
        {
            // A file of random bytes, a truncated or encrypted file: one line that names the file, not a stack trace.
            await connection.DisposeAsync().ConfigureAwait(false);
            await writerLock.DisposeAsync().ConfigureAwait(false);
            throw new EventLogUnavailableException($"'{options.Path}' cannot be opened as a Herald SQLite store: {ex.Message}", ex);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            await writerLock.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// One writer per file: a second process on the same file (an overlapping deploy, two replicas on one volume) would
    /// hand out IDs from a stale cache and move counters backwards. An exclusive lock on <c>&lt;path&gt;.lock</c>, held for
    /// the store's life, keeps it out (.NET takes <c>flock</c> on Unix for <see cref="FileShare.None"/>, and the kernel
    /// drops it when the process dies, <c>kill -9</c> included).
    /// </summary>
    private static FileStream TakeWriterLock(string path)
    {
        string lockPath = path + ".lock";
        try
        {
            return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new EventLogUnavailableException($"'{lockPath}' cannot be created or written ({ex.Message}): the store's directory must be writable.", ex);
        }
        catch (IOException ex) when (ex.Message.Contains("Read-only", StringComparison.OrdinalIgnoreCase))
        {
            throw new EventLogUnavailableException($"'{lockPath}' cannot be written: the store's directory is on a read-only file system.", ex);
        }
        catch (IOException ex)
        {
            throw new EventLogUnavailableException($"'{path}' is in use by another process (it holds '{lockPath}'): one Herald server writes a SQLite store at a time.", ex);
        }
    }

    /// <inheritdoc />
    public Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
    {
        AppendArguments.Validate(stream, events);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<AppendResult>(cancellationToken);
        }

        // The writer reads the list later, on its own thread: callers must not change it until the task completes.
        var request = new AppendRequest(stream, events, idempotencyKey, cancellationToken);

        // After DisposeAsync completed the channel, TryWrite fails; anything written before is drained and committed.
        if (!_requests.Writer.TryWrite(request))
        {
            throw _writerFailure is Exception failure
                ? WriterStopped(failure)
                : new EventLogUnavailableException("The SQLite store is shut down.");
        }

        return request.Task;
    }

    /// <summary>The answer to every append once the writer has stopped on <paramref name="failure"/>: queued, taken or later.</summary>
    private static EventLogUnavailableException WriterStopped(Exception failure) =>
        new("The SQLite store's writer stopped; nothing was appended. Restart the server.", failure);

    /// <summary>Makes the writer fail with <paramref name="failure"/> when it takes this request, as a bug in it would (tests).</summary>
    internal void StopWriterForTest(Exception failure) =>
        _requests.Writer.TryWrite(new AppendRequest("-", [], null, CancellationToken.None) { Poison = failure });

    /// <summary>Holds the writer until <paramref name="gate"/> completes: the requests queued meanwhile wait untaken (tests).</summary>
    internal Task HoldWriterForTest(Task gate)
    {
        var request = new AppendRequest("-", [], null, CancellationToken.None) { Gate = gate };
        _requests.Writer.TryWrite(request);
        return request.Task;
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken) =>
        ReadAsync(stream, after, max, long.MaxValue, cancellationToken);

    /// <inheritdoc />
    /// <remarks>Stops stepping once the data read reaches <paramref name="maxBytes"/>: the rows after it are never copied.</remarks>
    public Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, long maxBytes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(after);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxBytes);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<StoredEvent>>(cancellationToken);
        }

        return ReadBoundedAsync<(long after, int max, long maxBytes), IReadOnlyList<StoredEvent>>(
            stream, (after, max, maxBytes), static (session, stream, range) => session.Read(stream, range.after, range.max, range.maxBytes), cancellationToken);
    }

    /// <inheritdoc />
    public Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(stream);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<StreamInfo>(cancellationToken);
        }

        return ReadBoundedAsync(stream, 0, static (session, stream, _) => session.GetInfo(stream), cancellationToken);
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string? after, int max, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(max);
        if (cancellationToken.IsCancellationRequested)
        {
            return Task.FromCanceled<IReadOnlyList<StreamSummary>>(cancellationToken);
        }

        return ReadBoundedAsync<int, IReadOnlyList<StreamSummary>>(after ?? "", max, static (session, after, max) => session.ListStreams(after, max), cancellationToken);
    }

    /// <inheritdoc />
    public IDisposable Watch(string stream, IAppendObserver observer) => _watchers.Watch(stream, observer);

    /// <inheritdoc />
    public Task<bool> IsReadyAsync(CancellationToken cancellationToken)
    {
        // Ready means able to commit: not after a failed commit (disk full, read-only file) until one succeeds again.
        if (_disposed || _writerTask.IsCompleted || _commitFailing)
        {
            return Task.FromResult(false);
        }

        ReadSession? session = null;
        bool healthy = false;
        try
        {
            session = RentReadSession();
            healthy = session.Ping();
            return Task.FromResult(healthy);
        }
        catch (Exception ex) when (ex is SqliteException or EventLogUnavailableException or ObjectDisposedException or InvalidOperationException)
        {
            return Task.FromResult(false);
        }
        finally
        {
            if (session is not null)
            {
                ReturnReadSession(session, healthy);
            }
        }
    }

    /// <summary>Stops taking appends, commits every append already queued, then closes the file.</summary>
    public ValueTask DisposeAsync()
    {
        lock (_requests)
        {
            // Every caller, first or repeated, awaits the same shutdown.
            _disposeTask ??= DisposeCoreAsync();
            return new ValueTask(_disposeTask);
        }
    }

    private async Task DisposeCoreAsync()
    {
        _disposed = true;
        _requests.Writer.TryComplete();

        // The writer drains what was queued before the channel closed, so graceful shutdown finishes in-flight appends.
        await _writerTask.ConfigureAwait(false);
        _writer.Dispose();
        if (_writerLock is not null)
        {
            await _writerLock.DisposeAsync().ConfigureAwait(false);
        }

        while (_idleReadSessions.TryDequeue(out ReadSession? session))
        {
            session.Dispose();
        }

        Log.Closed(_logger, _options.Path);
    }

    // SQLite reads are synchronous and short (one indexed range scan); an async hop would cost more than it saves, so a
    // read with a free slot runs at once on the caller's thread, and only a read that must wait for a slot awaits one.
    private Task<TResult> ReadBoundedAsync<TState, TResult>(string stream, TState state, Func<ReadSession, string, TState, TResult> read, CancellationToken cancellationToken)
    {
        if (!_readSlots.Wait(0, CancellationToken.None))
        {
            return WaitForSlotThenReadAsync(stream, state, read, cancellationToken);
        }

        try
        {
            return Task.FromResult(Read(stream, state, read));
        }
        catch (Exception ex)
        {
            return Task.FromException<TResult>(ex);
        }
        finally
        {
            _readSlots.Release();
        }
    }

    private async Task<TResult> WaitForSlotThenReadAsync<TState, TResult>(string stream, TState state, Func<ReadSession, string, TState, TResult> read, CancellationToken cancellationToken)
    {
        await _readSlots.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return Read(stream, state, read);
        }
        finally
        {
            _readSlots.Release();
        }
    }

    // A session that failed is closed rather than pooled again.
    private TResult Read<TState, TResult>(string stream, TState state, Func<ReadSession, string, TState, TResult> read)
    {
        ReadSession session = RentReadSession();
        bool healthy = false;
        try
        {
            TResult result = read(session, stream, state);
            healthy = true;
            return result;
        }
        catch (SqliteException ex)
        {
            throw new EventLogUnavailableException($"Reading stream '{stream}' from the SQLite store failed: {ex.Message}", ex);
        }
        finally
        {
            ReturnReadSession(session, healthy);
        }
    }

    private ReadSession RentReadSession()
    {
        if (_disposed)
        {
            throw new EventLogUnavailableException("The SQLite store is shut down.");
        }

        if (_idleReadSessions.TryDequeue(out ReadSession? session))
        {
            return session;
        }

        try
        {
            return ReadSession.Open(_options.Path, (int)_options.BusyTimeout.TotalMilliseconds);
        }
        catch (SqliteException ex)
        {
            throw new EventLogUnavailableException($"Opening a read connection to '{_options.Path}' failed: {ex.Message}", ex);
        }
    }

    private void ReturnReadSession(ReadSession session, bool healthy)
    {
        if (healthy && !_disposed && _idleReadSessions.Count < s_maxReadSessions)
        {
            _idleReadSessions.Enqueue(session);

            // DisposeAsync may have drained the queue between the check and the enqueue; drain again so nothing leaks.
            if (_disposed && _idleReadSessions.TryDequeue(out ReadSession? late))
            {
                late.Dispose();
            }

            return;
        }

        session.Dispose();
    }

    private static object? ExecutePragma(SqliteConnection connection, string pragma)
    {
        using SqliteCommand command = connection.CreateCommand();
        command.CommandText = pragma;
        return command.ExecuteScalar();
    }
}
