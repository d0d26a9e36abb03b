using System.Buffers.Text;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// Event bodies of a chosen size. The body starts with the publisher's <see cref="System.Diagnostics.Stopwatch"/>
/// timestamp at a fixed width (a JSON string: numbers may not have leading zeros), so a publisher stamps a prebuilt request in place and a subscriber in the same process
/// reads it back from the <c>data:</c> line without parsing JSON.
/// </summary>
internal static class Payload
{
    /// <summary>What every data line starts with; the timestamp's digits follow.</summary>
    public static ReadOnlySpan<byte> StampPrefix => "{\"t\":\""u8;

    public const int StampDigits = 19;

    /// <summary>A JSON object of about <paramref name="size"/> bytes with a zero timestamp.</summary>
    public static string Json(int size)
    {
        string head = "{\"t\":\"" + new string('0', StampDigits) + "\",\"pad\":\"";
        const string Tail = "\"}";
        int pad = Math.Max(0, size - head.Length - Tail.Length);
        return head + new string('x', pad) + Tail;
    }

    public static byte[] Ndjson(string json, int count)
    {
        StringBuilder builder = new((json.Length + 12) * count);
        for (int i = 0; i < count; i++)
        {
            builder.Append("{\"data\":").Append(json).Append("}\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Writes <paramref name="timestamp"/> zero-padded into the stamp's digits, which start at <paramref name="at"/>.</summary>
    public static void Stamp(Span<byte> request, int at, long timestamp)
    {
        Span<byte> digits = request.Slice(at, StampDigits);
        digits.Fill((byte)'0');
        Span<byte> text = stackalloc byte[20];
        Utf8Formatter.TryFormat(timestamp, text, out int written);
        text[..written].CopyTo(digits[(StampDigits - written)..]);
    }

    /// <summary>Reads the timestamp back from a data line's value; 0 when the event was not stamped by this process.</summary>
    public static long ReadStamp(ReadOnlySpan<byte> data) =>
        data.StartsWith(StampPrefix) && Utf8Parser.TryParse(data[StampPrefix.Length..], out long stamp, out _) ? stamp : 0;
}
