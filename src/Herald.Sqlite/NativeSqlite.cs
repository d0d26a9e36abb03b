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
/// <para>
/// The entry points are taken from the very library the provider loaded (resolved through the provider's assembly, so
/// through any resolver the host registered for it), never from a second copy: a statement must be stepped by the
/// library that prepared it. When the host switched SQLitePCLRaw to another provider (SQLCipher, the system SQLite),
/// <see cref="Available"/> is false and <see cref="RawStatement"/> goes through SQLitePCLRaw as before. SQLite's
/// functions are <c>cdecl</c>, so the pointers say so (the platform default differs on 32-bit Windows).
/// </para>
/// <para>
/// The column reads and the binds of small values are called without the GC transition
/// (<see cref="SuppressGCTransitionAttribute"/>): each is well under a microsecond of work on memory SQLite already holds,
/// and the transition's bookkeeping (a frame, a thread-local lookup, a check for a pending collection on return) cost
/// about as much as the call, on five of a read row's six calls and four of a written row's six (perf,
/// docs/benchmarks.md). That is sound only while such a call can neither block nor call back into .NET, which holds
/// because: read sessions run without SQLite's connection mutex and the writer's connection is used by the writer's
/// thread alone (its mutex is never contended); a bind copies with <c>SQLITE_TRANSIENT</c> under SQLite's allocator
/// only; and every statement is reset before its next bind, so SQLite has no misuse to report through a log callback a
/// host might have installed. A step can read the disk or wait out the busy timeout, and a large value's bind copies up to
/// megabytes, so those keep the transition: a collection must never wait for them.
/// </para>
/// </remarks>
internal static unsafe class NativeSqlite
{
    private const string Library = "e_sqlite3";

    private static readonly delegate* unmanaged[Cdecl]<nint, int> s_step;
    private static readonly delegate* unmanaged[Cdecl]<nint, int> s_reset;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long> s_columnInt64;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> s_columnType;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint> s_columnBlob;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> s_columnBytes;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int> s_bindInt64;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int> s_bindNull;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int, int> s_bindZeroBlob;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int> s_bindTextSmall;
    private static readonly delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int> s_bindBlobSmall;
    private static readonly delegate* unmanaged[Cdecl]<nint, int, byte*, int, nint, int> s_bindText;
    private static readonly delegate* unmanaged[Cdecl]<nint, int, byte*, int, nint, int> s_bindBlob;

    // SQLITE_TRANSIENT: SQLite copies the value before the bind returns, so the caller's buffer may move or go after it.
    private const nint Transient = -1;

    private static readonly byte[] s_empty = [0];

    // A bind copies its value: up to this many bytes the copy is short enough to skip the GC transition (see remarks).
    private const int SmallValueBytes = 16 * 1024;

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
            !NativeLibrary.TryGetExport(library, "sqlite3_column_bytes", out nint columnBytes) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_bind_int64", out nint bindInt64) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_bind_null", out nint bindNull) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_bind_zeroblob", out nint bindZeroBlob) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_bind_text", out nint bindText) ||
            !NativeLibrary.TryGetExport(library, "sqlite3_bind_blob", out nint bindBlob))
        {
            return;
        }

        s_step = (delegate* unmanaged[Cdecl]<nint, int>)step;
        s_reset = (delegate* unmanaged[Cdecl]<nint, int>)reset;
        s_columnInt64 = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long>)columnInt64;
        s_columnType = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)columnType;
        s_columnBlob = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, nint>)columnBlob;
        s_columnBytes = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)columnBytes;
        s_bindInt64 = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, long, int>)bindInt64;
        s_bindNull = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int>)bindNull;
        s_bindZeroBlob = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, int, int>)bindZeroBlob;
        s_bindTextSmall = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int>)bindText;
        s_bindBlobSmall = (delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int>)bindBlob;
        s_bindText = (delegate* unmanaged[Cdecl]<nint, int, byte*, int, nint, int>)bindText;
        s_bindBlob = (delegate* unmanaged[Cdecl]<nint, int, byte*, int, nint, int>)bindBlob;
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

    internal static int BindInt64(nint statement, int index, long value) => s_bindInt64(statement, index, value);

    internal static int BindNull(nint statement, int index) => s_bindNull(statement, index);

    internal static int BindZeroBlob(nint statement, int index, int length) => s_bindZeroBlob(statement, index, length);

    /// <summary>Binds UTF-8 text, copied by SQLite before this returns.</summary>
    internal static int BindText(nint statement, int index, ReadOnlySpan<byte> utf8) =>
        BindBytes(s_bindTextSmall, s_bindText, statement, index, utf8);

    /// <summary>Binds a blob, copied by SQLite before this returns (<see cref="BindZeroBlob"/> binds an empty one).</summary>
    internal static int BindBlob(nint statement, int index, ReadOnlySpan<byte> value) =>
        BindBytes(s_bindBlobSmall, s_bindBlob, statement, index, value);

    private static int BindBytes(
        delegate* unmanaged[Cdecl, SuppressGCTransition]<nint, int, byte*, int, nint, int> small,
        delegate* unmanaged[Cdecl]<nint, int, byte*, int, nint, int> large,
        nint statement,
        int index,
        ReadOnlySpan<byte> value)
    {
        // A null pointer would bind NULL: an empty value needs a pointer to something.
        fixed (byte* bytes = value.IsEmpty ? s_empty : value)
        {
            return value.Length <= SmallValueBytes
                ? small(statement, index, bytes, value.Length, Transient)
                : large(statement, index, bytes, value.Length, Transient);
        }
    }
}
