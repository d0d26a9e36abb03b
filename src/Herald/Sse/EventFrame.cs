using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Numerics;
using System.Text;

namespace Herald.Sse;

/// <summary>
/// Encodes SSE frames as UTF-8 (docs/protocol.md "Subscribe"): <c>id:</c>, then <c>event:</c> when typed, then one <c>data:</c>
/// line per payload line, then a blank line. Payloads were normalized to LF at publish time (<see cref="Validation.Payloads"/>),
/// so splitting on LF is enough and no field can carry a lone CR.
/// </summary>
internal static class EventFrame
{
    private const int MaxIdDigits = 19;

    /// <summary>A comment line: keeps proxies and clients from timing an idle connection out.</summary>
    public static ReadOnlySpan<byte> Heartbeat => ":\n\n"u8;

    /// <summary>The exact size of the frame <see cref="Write(Span{byte}, long, string?, ReadOnlySpan{byte})"/> produces.</summary>
    public static int GetSize(long id, string? eventType, ReadOnlySpan<byte> data) =>
        GetSizeCore(id, eventType, data.Length, data.Count((byte)'\n'));

    /// <summary>Encodes an event once, for the hot tail whose bytes every subscriber shares (docs/design.md).</summary>
    public static byte[] Encode(long id, string? eventType, ReadOnlySpan<byte> data)
    {
        int lineBreaks = data.Count((byte)'\n');

        // Every byte is written below, so the array need not be zeroed first.
        byte[] frame = GC.AllocateUninitializedArray<byte>(GetSizeCore(id, eventType, data.Length, lineBreaks));
        WriteCore(frame, id, eventType, data, lineBreaks);
        return frame;
    }

    /// <summary>Encodes an event straight into <paramref name="writer"/> (catch-up from the store).</summary>
    public static void Write(IBufferWriter<byte> writer, long id, string? eventType, ReadOnlySpan<byte> data)
    {
        int lineBreaks = data.Count((byte)'\n');
        int size = GetSizeCore(id, eventType, data.Length, lineBreaks);
        WriteCore(writer.GetSpan(size), id, eventType, data, lineBreaks);
        writer.Advance(size);
    }

    /// <summary>Writes the frame into <paramref name="destination"/>, which holds at least <see cref="GetSize"/> bytes; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, long id, string? eventType, ReadOnlySpan<byte> data) =>
        WriteCore(destination, id, eventType, data, data.Count((byte)'\n'));

    /// <summary>
    /// The length of an encoded frame's <c>id: &lt;n&gt;</c> (without its line break): what a subscription that writes its own
    /// <c>id:</c> line (several streams on one connection) skips of a frame the hot tail shares.
    /// </summary>
    public static int IdFieldLength(long id) => "id: ".Length + CountDigits(id);

    /// <summary>
    /// An event without its <c>id:</c> line, starting at the line break that ends it: what follows an <c>id:</c> line the
    /// caller wrote itself (a composite cursor, docs/protocol.md "Subscribe to several streams").
    /// </summary>
    public static void WriteAfterId(IBufferWriter<byte> writer, string? eventType, ReadOnlySpan<byte> data)
    {
        int lineBreaks = data.Count((byte)'\n');
        int size = GetSizeCore(0, eventType, data.Length, lineBreaks) - IdFieldLength(0);
        int written = WriteBody(writer.GetSpan(size), 0, eventType, data, lineBreaks);
        writer.Advance(written);
    }

    /// <summary>
    /// A frame with only an <c>id:</c> (docs/protocol.md, the <c>type=</c> filter): it moves the client's cursor past events it
    /// filtered out without dispatching anything.
    /// </summary>
    public static void WriteIdOnly(IBufferWriter<byte> writer, long id)
    {
        Span<byte> span = writer.GetSpan("id: \n\n".Length + MaxIdDigits);
        int at = Append(span, 0, "id: "u8);
        id.TryFormat(span[at..], out int digits, default, CultureInfo.InvariantCulture);
        at = Append(span, at + digits, "\n\n"u8);
        writer.Advance(at);
    }

    /// <summary>A frame with no <c>id:</c> (docs/protocol.md <c>hello</c>, <c>gap</c>, <c>reset</c>): it must not move the client's cursor.</summary>
    public static void WriteControl(IBufferWriter<byte> writer, ReadOnlySpan<byte> eventName, ReadOnlySpan<byte> json)
    {
        // Control data is compact JSON that Herald wrote itself: one line, no LF.
        int size = "event: \n".Length + eventName.Length + "data: \n".Length + json.Length + 1;
        Span<byte> span = writer.GetSpan(size);
        int at = Append(span, 0, "event: "u8);
        at = Append(span, at, eventName);
        at = Append(span, at, "\ndata: "u8);
        at = Append(span, at, json);
        at = Append(span, at, "\n\n"u8);
        writer.Advance(at);
    }

    /// <summary>The reconnection delay a client should wait (<c>retry:</c>), alone in its block.</summary>
    public static void WriteRetry(IBufferWriter<byte> writer, int milliseconds)
    {
        Span<byte> span = writer.GetSpan("retry: \n\n".Length + MaxIdDigits);
        int at = Append(span, 0, "retry: "u8);
        Utf8Formatter.TryFormat(milliseconds, span[at..], out int digits);
        at = Append(span, at + digits, "\n\n"u8);
        writer.Advance(at);
    }

    // The LFs are counted once, by the caller, for the size: the usual one-line payload is then one copy, with no second scan.
    private static int WriteCore(Span<byte> destination, long id, string? eventType, ReadOnlySpan<byte> data, int lineBreaks)
    {
        int at = Append(destination, 0, "id: "u8);
        id.TryFormat(destination[at..], out int digits, default, CultureInfo.InvariantCulture);
        return WriteBody(destination, at + digits, eventType, data, lineBreaks);
    }

    // From the line break after the id to the blank line that ends the frame.
    private static int WriteBody(Span<byte> destination, int at, string? eventType, ReadOnlySpan<byte> data, int lineBreaks)
    {
        if (eventType is not null)
        {
            at = Append(destination, at, "\nevent: "u8);
            // Event types are short and ASCII (EventTypes): a plain narrowing loop beats a vectorized transcoder's set-up.
            Span<byte> type = destination.Slice(at, eventType.Length);
            for (int i = 0; i < type.Length; i++)
            {
                type[i] = (byte)eventType[i];
            }

            at += type.Length;
        }

        at = Append(destination, at, "\ndata: "u8);
        if (lineBreaks == 0)
        {
            at = Append(destination, at, data);
        }
        else
        {
            at = WriteDataLines(destination, at, data);
        }

        return Append(destination, at, "\n\n"u8);
    }

    private static int GetSizeCore(long id, string? eventType, int dataLength, int lineBreaks)
    {
        int size = "id: \n".Length + CountDigits(id);
        if (eventType is not null)
        {
            size += "event: \n".Length + eventType.Length; // event types are ASCII (EventTypes)
        }

        // Each of the lineBreaks + 1 lines becomes "data: " + line + "\n"; the LFs themselves are not copied.
        size += dataLength - lineBreaks + ((lineBreaks + 1) * "data: \n".Length);
        return size + 1;
    }

    // Called after "data: " of the first line: writes the lines, each LF becoming "\ndata: ".
    private static int WriteDataLines(Span<byte> destination, int at, ReadOnlySpan<byte> data)
    {
        int lf;
        while ((lf = data.IndexOf((byte)'\n')) >= 0)
        {
            at = Append(destination, at, data[..lf]);
            at = Append(destination, at, "\ndata: "u8);
            data = data[(lf + 1)..];
        }

        return Append(destination, at, data);
    }

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    private static int CountDigits(long value)
    {
        // IDs are positive; log10 from log2 (1233 / 4096 ≈ log10 2), corrected by one comparison: no division per digit.
        ulong v = (ulong)value;
        int digits = ((BitOperations.Log2(v | 1) + 1) * 1233) >> 12;
        return digits + ((v | 1) >= PowersOf10[digits] ? 1 : 0); // v | 1: zero has one digit too
    }

    private static ReadOnlySpan<ulong> PowersOf10 =>
    [
        1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000, 100_000_000, 1_000_000_000, 10_000_000_000,
        100_000_000_000, 1_000_000_000_000, 10_000_000_000_000, 100_000_000_000_000, 1_000_000_000_000_000,
        10_000_000_000_000_000, 100_000_000_000_000_000, 1_000_000_000_000_000_000, 10_000_000_000_000_000_000,
    ];
}
