using System.Runtime.InteropServices;
using SQLitePCL;

namespace Herald;

/// <summary>
/// The per-row calls of the two hot loops (range read, insert), called straight into the native SQLite that
/// SQLitePCLRaw's e_sqlite3 provider uses. SQLitePCLRaw takes the statement as a <see cref="SafeHandle"/> and adds and
/// releases a reference on every call, two interlocked operations each: at six calls per row that was a tenth of a
/// catch-up's server CPU (perf, docs/benchmarks.md). <see cref="RawStatement"/> holds one reference on the handle for as
/// long as it passes the pointer here.
/// </summary>
/// <remarks>
/// The entry points are taken from the very library the provider loaded (resolved through the provider's assembly, so
/// through any resolver the host registered for it), never from a second copy: a statement must be stepped by the
/// library that prepared it. When the host switched SQLitePCLRaw to another provider (SQLCipher, the system SQLite),
/// <see cref="Available"/> is false and <see cref="RawStatement"/> goes through SQLitePCLRaw as before.
/// </remarks>
internal static unsafe class NativeSqlite
{
    private const string Library = "e_sqlite3";

    private static readonly delegate* unmanaged<nint, int> s_step;
    private static readonly delegate* unmanaged<nint, int> s_reset;
    private static readonly delegate* unmanaged<nint, int, long> s_columnInt64;
    private static readonly delegate* unmanaged<nint, int, int> s_columnType;
    private static readonly delegate* unmanaged<nint, int, nint> s_columnBlob;
    private static readonly delegate* unmanaged<nint, int, int> s_columnBytes;

#pragma warning disable CA1810 // one resolution that either sets every entry point or none
    static NativeSqlite()
#pragma warning restore CA1810
    {
        if (!string.Equals(raw.GetNativeLibraryName(), Library, StringComparison.Ordinal) ||
            !NativeLibrary.TryLoad(Library, typeof(SQLite3Provider_e_sqlite3).Assembly, null, out nint library) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_step", out nint step) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_reset", out nint reset) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_column_int64", out nint columnInt64) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_column_type", out nint columnType) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_column_blob", out nint columnBlob) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_column_bytes", out nint columnBytes))
        {
            return;
        }

        s_step = (delegate* unmanaged<nint, int>)step;
        s_reset = (delegate* unmanaged<nint, int>)reset;
        s_columnInt64 = (delegate* unmanaged<nint, int, long>)columnInt64;
        s_columnType = (delegate* unmanaged<nint, int, int>)columnType;
        s_columnBlob = (delegate* unmanaged<nint, int, nint>)columnBlob;
        s_columnBytes = (delegate* unmanaged<nint, int, int>)columnBytes;
        Available = true;
    }

    /// <summary>Whether the entry points below are bound (the e_sqlite3 provider is the one in use).</summary>
    internal static bool Available { get; }

    internal static int Step(nint statement) => s_step(statement);

    internal static int Reset(nint statement) => s_reset(statement);

    internal static long ColumnInt64(nint statement, int column) => s_columnInt64(statement, column);

    internal static int ColumnType(nint statement, int column) => s_columnType(statement, column);

    internal static nint ColumnBlob(nint statement, int column) => s_columnBlob(statement, column);

    internal static int ColumnBytes(nint statement, int column) => s_columnBytes(statement, column);
}
