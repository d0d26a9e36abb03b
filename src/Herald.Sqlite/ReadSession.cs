using System.Text;
using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald;

/// <summary>
/// A read connection with its statements prepared once. Sessions are pooled by <see cref="SqliteEventLog"/>; one is
/// used by one caller at a time.
/// </summary>
internal sealed class ReadSession : IDisposable
{
    // Below the large-object heap's 85,000 bytes: chunks are short-lived and should die young.
    private const int ChunkBytes = 64 * 1024;

    private readonly sqlite3 _db;
    private readonly RawStatement _read;
    private readonly RawStatement _info;
    private readonly RawStatement _ping;
    private readonly RawStatement _list;
    private string? _lastType;
    private byte[] _lastTypeUtf8 = [];

    private ReadSession(sqlite3 db)
    {
        _db = db;

        // One range scan of the primary key; the stream's row ID comes from the unique index in the same statement.
        // Native, bound by index and read as spans: this is the replay loop (see RawStatement).
        _read = new RawStatement(
            db,
            "SELECT id, type, data FROM events WHERE stream_id = (SELECT stream_id FROM streams WHERE name = ?1) AND id > ?2 ORDER BY id LIMIT ?3");

        // MIN(id) over the primary key is one seek, not a scan.
        _info = new RawStatement(db, "SELECT s.last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name = ?1");
        _ping = new RawStatement(db, "SELECT 1");

        // Walks the unique index on name (BINARY collation: byte order, which is ordinal order for stream names' ASCII).
        _list = new RawStatement(
            db,
            "SELECT s.name, s.last, (SELECT MIN(e.id) FROM events e WHERE e.stream_id = s.stream_id) FROM streams s WHERE s.name > ?1 ORDER BY s.name LIMIT ?2");
    }

    /// <summary>
    /// Opens a read connection on the native handle, in SQLite's multi-thread mode (<c>SQLITE_OPEN_NOMUTEX</c>): a session
    /// is used by one caller at a time, so the per-connection mutex that every column read would otherwise lock and
    /// unlock (a tenth of a catch-up's CPU, docs/benchmarks.md) guards nothing.
    /// </summary>
    public static ReadSession Open(string path, int busyTimeoutMilliseconds)
    {
        int rc = raw.sqlite3_open_v2(path, out sqlite3 db, raw.SQLITE_OPEN_READWRITE | raw.SQLITE_OPEN_NOMUTEX | raw.SQLITE_OPEN_PRIVATECACHE, null);
        try
        {
            SqliteException.ThrowExceptionForRC(rc, db);
            SqliteException.ThrowExceptionForRC(raw.sqlite3_busy_timeout(db, busyTimeoutMilliseconds), db);

            // query_only: a read session can never write, whatever a future change sends through it.
            SqliteException.ThrowExceptionForRC(raw.sqlite3_exec(db, "PRAGMA query_only=1"), db);
            return new ReadSession(db);
        }
        catch
        {
            db.Dispose();
            throw;
        }
    }

    /// <summary>Up to <paramref name="max"/> events after <paramref name="after"/> whose data adds up to at most <paramref name="maxBytes"/> (the first always).</summary>
    public List<StoredEvent> Read(string stream, long after, int max, long maxBytes)
    {
        List<StoredEvent> events = new(Math.Min(max, 1024));
        long bytes = 0;
        byte[]? chunk = null;
        int used = 0;
        try
        {
            _read.BindText(1, stream);
            _read.BindInt64(2, after);
            _read.BindInt64(3, max);
            while (_read.Step())
            {
                // The size is known before the row's bytes are copied: the row that would exceed the limit is never copied.
                ReadOnlySpan<byte> row = _read.Bytes(2);
                bytes += row.Length;
                if (bytes > maxBytes && events.Count > 0)
                {
                    break;
                }

                long id = _read.Int64(0);
                string? type = _read.TryBytes(1, out ReadOnlySpan<byte> typeUtf8) ? TypeString(typeUtf8) : null;
                events.Add(new StoredEvent(id, type, CopyOut(row, max - events.Count, ref chunk, ref used)));
                if (bytes == maxBytes)
                {
                    break;
                }
            }
        }
        finally
        {
            _read.Reset();
        }

        return events;
    }

    /// <summary>
    /// Copies a row's data out of SQLite's buffer. Small rows share chunks of up to <see cref="ChunkBytes"/>, allocated
    /// without zeroing (every byte handed out is written first): a page of a thousand 200-byte events was a thousand
    /// zeroed arrays, a tenth of a catch-up's CPU in memset and page clearing (perf, docs/benchmarks.md). A page's events
    /// are written and dropped together, so a chunk lives as long as the page. A chunk is sized for the rows still to
    /// come, so a one-event read holds only its own bytes.
    /// </summary>
    private static ReadOnlyMemory<byte> CopyOut(ReadOnlySpan<byte> row, int rowsLeft, ref byte[]? chunk, ref int used)
    {
        if (row.IsEmpty)
        {
            return ReadOnlyMemory<byte>.Empty;
        }

        if (row.Length > ChunkBytes / 4)
        {
            return row.ToArray();
        }

        if (chunk is null || chunk.Length - used < row.Length)
        {
            int size = (int)Math.Clamp((long)row.Length * rowsLeft, row.Length, ChunkBytes);
            chunk = GC.AllocateUninitializedArray<byte>(size);
            used = 0;
        }

        row.CopyTo(chunk.AsSpan(used));
        ReadOnlyMemory<byte> data = new(chunk, used, row.Length);
        used += row.Length;
        return data;
    }

    public StreamInfo GetInfo(string stream)
    {
        try
        {
            _info.BindText(1, stream);
            if (!_info.Step())
            {
                return new StreamInfo(null, 0);
            }

            long last = _info.Int64(0);
            long? first = _info.IsNull(1) ? null : _info.Int64(1);
            return new StreamInfo(first, last);
        }
        finally
        {
            _info.Reset();
        }
    }

    public List<StreamSummary> ListStreams(string? after, int max)
    {
        List<StreamSummary> page = new(Math.Min(max, 1024));
        try
        {
            _list.BindText(1, after ?? "");
            _list.BindInt64(2, max);
            while (_list.Step())
            {
                string name = Encoding.UTF8.GetString(_list.Bytes(0));
                page.Add(new StreamSummary(name, _list.IsNull(2) ? null : _list.Int64(2), _list.Int64(1)));
            }
        }
        finally
        {
            _list.Reset();
        }

        return page;
    }

    // A stream's events mostly share a type or two: hand out the same string instead of decoding one per event.
    private string TypeString(ReadOnlySpan<byte> utf8)
    {
        if (_lastType is null || !utf8.SequenceEqual(_lastTypeUtf8))
        {
            _lastType = Encoding.UTF8.GetString(utf8);
            _lastTypeUtf8 = utf8.ToArray();
        }

        return _lastType;
    }

    public bool Ping()
    {
        try
        {
            return _ping.Step() && _ping.Int64(0) == 1;
        }
        finally
        {
            _ping.Reset();
        }
    }

    public void Dispose()
    {
        _read.Dispose();
        _info.Dispose();
        _ping.Dispose();
        _list.Dispose();
        _db.Dispose(); // sqlite3_close_v2, after its statements are finalized
    }
}
