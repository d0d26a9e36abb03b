using Microsoft.Data.Sqlite;
using SQLitePCL;

namespace Herald;

/// <summary>
/// A statement prepared once on the native handle of a <see cref="SqliteConnection"/>, for the two hot loops (insert
/// and range read). Binding by index and reading spans skips the provider's per-execution reader, parameter lookup by
/// name and copies. Measured on 2 cores against the same SQL through <see cref="SqliteCommand"/>: batches of 1,000
/// 200-byte events went from ~125k to ~230k events/s, replay of 100k events from ~0.6M to ~1.2M events/s. Stepping and
/// reading columns go through <see cref="NativeSqlite"/> (no reference counting per call) when it is available.
/// Not thread-safe: one owner at a time.
/// </summary>
internal sealed class RawStatement : IDisposable
{
    private readonly sqlite3 _db;
    private readonly sqlite3_stmt _statement;
    private readonly nint _handle;
    private bool _disposed;

    public RawStatement(SqliteConnection connection, string sql)
        : this(connection.Handle ?? throw new InvalidOperationException("The connection is not open."), sql)
    {
    }

    public RawStatement(sqlite3 db, string sql)
    {
        _db = db;
        int rc = raw.sqlite3_prepare_v2(_db, sql, out _statement);
        if (rc != raw.SQLITE_OK)
        {
            _statement.Dispose();
            SqliteException.ThrowExceptionForRC(rc, _db);
        }

        // One reference for the statement's life, released in Dispose: the pointer below stays valid until then.
        bool added = false;
        _statement.DangerousAddRef(ref added);
        _handle = _statement.DangerousGetHandle();
    }

    public void BindInt64(int index, long value) =>
        Check(NativeSqlite.Available ? NativeSqlite.BindInt64(_handle, index, value) : raw.sqlite3_bind_int64(_statement, index, value));

    public void BindNull(int index) => Check(NativeSqlite.Available ? NativeSqlite.BindNull(_handle, index) : raw.sqlite3_bind_null(_statement, index));

    public void BindText(int index, string value) => Check(raw.sqlite3_bind_text(_statement, index, value));

    public void BindText(int index, ReadOnlySpan<byte> utf8) =>
        Check(NativeSqlite.Available ? NativeSqlite.BindText(_handle, index, utf8) : raw.sqlite3_bind_text(_statement, index, utf8));

    // An empty span binds a null pointer, which SQLite stores as NULL; a zero-length blob keeps "empty" distinct.
    public void BindBlob(int index, ReadOnlySpan<byte> value)
    {
        if (NativeSqlite.Available)
        {
            Check(value.IsEmpty ? NativeSqlite.BindZeroBlob(_handle, index, 0) : NativeSqlite.BindBlob(_handle, index, value));
            return;
        }

        Check(value.IsEmpty ? raw.sqlite3_bind_zeroblob(_statement, index, 0) : raw.sqlite3_bind_blob(_statement, index, value));
    }

    /// <summary>Runs to the next row: <see langword="true"/> for a row, <see langword="false"/> when done; throws on an error.</summary>
    public bool Step()
    {
        int rc = NativeSqlite.Available ? NativeSqlite.Step(_handle) : raw.sqlite3_step(_statement);
        if (rc == raw.SQLITE_ROW)
        {
            return true;
        }

        if (rc == raw.SQLITE_DONE)
        {
            return false;
        }

        SqliteException.ThrowExceptionForRC(rc, _db);
        return false;
    }

    /// <summary>Makes the statement ready to run again and ends its read of the database (a WAL snapshot held open would stall checkpoints).</summary>
    // Its result repeats the last Step's error, already thrown.
    public void Reset() => _ = NativeSqlite.Available ? NativeSqlite.Reset(_handle) : raw.sqlite3_reset(_statement);

    public long Int64(int column) => NativeSqlite.Available ? NativeSqlite.ColumnInt64(_handle, column) : raw.sqlite3_column_int64(_statement, column);

    public bool IsNull(int column) => Type(column) == raw.SQLITE_NULL;

    /// <summary>The column's bytes (UTF-8 for text), valid until the next Step or Reset; empty for NULL.</summary>
    public unsafe ReadOnlySpan<byte> Bytes(int column)
    {
        if (!NativeSqlite.Available)
        {
            return raw.sqlite3_column_blob(_statement, column);
        }

        // SQLite's order: the pointer first, then the length of what it points to.
        nint bytes = NativeSqlite.ColumnBlob(_handle, column);
        return bytes == 0 ? [] : new ReadOnlySpan<byte>((void*)bytes, NativeSqlite.ColumnBytes(_handle, column));
    }

    /// <summary>The column's bytes, or <see langword="false"/> for NULL (one call for a value, where IsNull then Bytes are three).</summary>
    public unsafe bool TryBytes(int column, out ReadOnlySpan<byte> value)
    {
        if (!NativeSqlite.Available)
        {
            value = raw.sqlite3_column_blob(_statement, column);
            return !value.IsEmpty || Type(column) != raw.SQLITE_NULL;
        }

        nint bytes = NativeSqlite.ColumnBlob(_handle, column);
        if (bytes != 0)
        {
            value = new ReadOnlySpan<byte>((void*)bytes, NativeSqlite.ColumnBytes(_handle, column));
            return true;
        }

        // A null pointer is NULL or a zero-length value: only the type tells them apart.
        value = [];
        return Type(column) != raw.SQLITE_NULL;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _statement.DangerousRelease();
        _statement.Dispose();
    }

    private int Type(int column) => NativeSqlite.Available ? NativeSqlite.ColumnType(_handle, column) : raw.sqlite3_column_type(_statement, column);

    private void Check(int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            SqliteException.ThrowExceptionForRC(rc, _db);
        }
    }
}
