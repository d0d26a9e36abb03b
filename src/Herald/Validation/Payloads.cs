using System.Text.Unicode;

namespace Herald.Validation;

/// <summary>
/// docs/protocol.md "Publish": a payload is UTF-8 text; CR, LF and CRLF all end a line. Herald stores it with every line break as LF,
/// so frames can split on LF alone and no field ever carries a lone CR.
/// </summary>
internal static class Payloads
{
    public static bool IsValidUtf8(ReadOnlySpan<byte> data) => Utf8.IsValid(data);

    /// <summary>Returns the payload with CR and CRLF replaced by LF; the same memory when it has no CR.</summary>
    public static ReadOnlyMemory<byte> NormalizeLineBreaks(ReadOnlyMemory<byte> data)
    {
        ReadOnlySpan<byte> span = data.Span;
        int cr = span.IndexOf((byte)'\r');
        if (cr < 0)
        {
            return data;
        }

        byte[] result = new byte[span.Length];
        span[..cr].CopyTo(result);
        int written = cr;
        for (int i = cr; i < span.Length; i++)
        {
            byte b = span[i];
            if (b == (byte)'\r')
            {
                result[written++] = (byte)'\n';
                if (i + 1 < span.Length && span[i + 1] == (byte)'\n')
                {
                    i++;
                }
            }
            else
            {
                result[written++] = b;
            }
        }

        return result.AsMemory(0, written);
    }
}
