namespace Herald.Http.Formats;

/// <summary>Removes the whitespace between the tokens of valid JSON, leaving strings (and their escapes) exactly as they were.</summary>
internal static class JsonCompaction
{
    public static ReadOnlyMemory<byte> Compact(ReadOnlyMemory<byte> json)
    {
        ReadOnlySpan<byte> span = json.Span;
        int firstSpace = IndexOfInsignificantWhitespace(span);
        if (firstSpace < 0)
        {
            return json; // already compact, the usual case: share the bytes
        }

        byte[] result = new byte[span.Length];
        span[..firstSpace].CopyTo(result);
        int written = firstSpace;
        bool inString = false;
        for (int i = firstSpace; i < span.Length; i++)
        {
            byte b = span[i];
            if (inString)
            {
                result[written++] = b;
                if (b == (byte)'\\')
                {
                    result[written++] = span[++i];
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (!IsWhitespace(b))
            {
                result[written++] = b;
                inString = b == (byte)'"';
            }
        }

        return result.AsMemory(0, written);
    }

    private static int IndexOfInsignificantWhitespace(ReadOnlySpan<byte> span)
    {
        bool inString = false;
        for (int i = 0; i < span.Length; i++)
        {
            byte b = span[i];
            if (inString)
            {
                if (b == (byte)'\\')
                {
                    i++;
                }
                else if (b == (byte)'"')
                {
                    inString = false;
                }
            }
            else if (b == (byte)'"')
            {
                inString = true;
            }
            else if (IsWhitespace(b))
            {
                return i;
            }
        }

        return -1;
    }

    private static bool IsWhitespace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
