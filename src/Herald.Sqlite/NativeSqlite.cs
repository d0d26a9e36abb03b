using System.Runtime.InteropServices;

namespace Herald;

/// <summary>
/// The per-row calls of the two hot loops (range read, insert), bound straight to the native SQLite that SQLitePCLRaw
/// loads (the same library name, resolved the same way). SQLitePCLRaw takes the statement as a <see cref="SafeHandle"/>
/// and adds and releases a reference on every call, two interlocked operations each: at six calls per row that was a
/// tenth of a catch-up's server CPU (perf, docs/benchmarks.md). <see cref="RawStatement"/> holds one reference on the
/// handle for as long as it passes the pointer here.
/// </summary>
internal static partial class NativeSqlite
{
    private const string Library = "e_sqlite3";

    [LibraryImport(Library, EntryPoint = "sqlite3_step")]
    internal static partial int Step(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_reset")]
    internal static partial int Reset(nint statement);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_int64")]
    internal static partial long ColumnInt64(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_type")]
    internal static partial int ColumnType(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_blob")]
    internal static partial nint ColumnBlob(nint statement, int column);

    [LibraryImport(Library, EntryPoint = "sqlite3_column_bytes")]
    internal static partial int ColumnBytes(nint statement, int column);
}
