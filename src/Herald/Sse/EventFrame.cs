using System.Buffers;
using System.Buffers.Text;

namespace Herald.Sse;

/// <summary>
/// Encodes SSE frames as UTF-8 (API.md "Subscribe"): <c>id:</c>, then <c>event:</c> when typed, then one <c>data:</c>
/// line per payload line, then a blank line. Payloads were normalized to LF at publish time (<see cref="Payloads"/>),
/// so splitting on LF is enough and no field can carry a lone CR.
/// </summary>
internal static class EventFrame
{
    private const int MaxIdDigits = 19;

    /// <summary>A comment line: keeps proxies and clients from timing an idle connection out.</summary>
    public static ReadOnlySpan<byte> Heartbeat => ":\n\n"u8;

    /// <summary>The exact size of the frame <see cref="Write(Span{byte}, long, string?, ReadOnlySpan{byte})"/> produces.</summary>
    public static int GetSize(long id, string? eventType, ReadOnlySpan<byte> data)
    {
        int lineBreaks = data.Count((byte)'\n');
        int size = "id: \n".Length + CountDigits(id);
        if (eventType is not null)
        {
            size += "event: \n".Length + eventType.Length; // event types are ASCII (EventTypes)
        }

        // Each of the lineBreaks + 1 lines becomes "data: " + line + "\n"; the LFs themselves are not copied.
        size += data.Length - lineBreaks + ((lineBreaks + 1) * "data: \n".Length);
        return size + 1;
    }

    /// <summary>Encodes an event once, for the hot tail whose bytes every subscriber shares (DESIGN.md §3).</summary>
    public static byte[] Encode(long id, string? eventType, ReadOnlySpan<byte> data)
    {
        byte[] frame = new byte[GetSize(id, eventType, data)];
        Write(frame, id, eventType, data);
        return frame;
    }

    /// <summary>Encodes an event straight into <paramref name="writer"/> (catch-up from the store).</summary>
    public static void Write(IBufferWriter<byte> writer, long id, string? eventType, ReadOnlySpan<byte> data)
    {
        int size = GetSize(id, eventType, data);
        Write(writer.GetSpan(size), id, eventType, data);
        writer.Advance(size);
    }

    /// <summary>Writes the frame into <paramref name="destination"/>, which holds at least <see cref="GetSize"/> bytes; returns the bytes written.</summary>
    public static int Write(Span<byte> destination, long id, string? eventType, ReadOnlySpan<byte> data)
    {
        int at = Append(destination, 0, "id: "u8);
        Utf8Formatter.TryFormat(id, destination[at..], out int digits);
        at = Append(destination, at + digits, "\n"u8);
        if (eventType is not null)
        {
            at = Append(destination, at, "event: "u8);
            at += System.Text.Encoding.ASCII.GetBytes(eventType, destination[at..]);
            at = Append(destination, at, "\n"u8);
        }

        at = WriteDataLines(destination, at, data);
        return Append(destination, at, "\n"u8);
    }

    /// <summary>A frame with no <c>id:</c> (API.md <c>hello</c>, <c>gap</c>, <c>reset</c>): it must not move the client's cursor.</summary>
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

    private static int WriteDataLines(Span<byte> destination, int at, ReadOnlySpan<byte> data)
    {
        while (true)
        {
            int lf = data.IndexOf((byte)'\n');
            ReadOnlySpan<byte> line = lf < 0 ? data : data[..lf];
            at = Append(destination, at, "data: "u8);
            at = Append(destination, at, line);
            at = Append(destination, at, "\n"u8);
            if (lf < 0)
            {
                return at;
            }

            data = data[(lf + 1)..];
        }
    }

    private static int Append(Span<byte> destination, int at, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(destination[at..]);
        return at + bytes.Length;
    }

    private static int CountDigits(long value)
    {
        int digits = 1;
        while (value >= 10)
        {
            value /= 10;
            digits++;
        }

        return digits;
    }
}
