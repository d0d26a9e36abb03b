namespace Herald.Validation;

/// <summary>docs/protocol.md "Subscribe": a position is a canonical decimal in 0 … 9223372036854775807: no sign, no leading zeros, no spaces.</summary>
internal static class StreamPosition
{
    public static bool TryParse(ReadOnlySpan<char> text, out long position)
    {
        position = 0;
        if (text.Length is 0 or > 19 || (text[0] == '0' && text.Length > 1))
        {
            return false;
        }

        ulong value = 0;
        foreach (char c in text)
        {
            if (c is < '0' or > '9')
            {
                return false;
            }

            value = (value * 10) + (ulong)(c - '0'); // 19 digits fit in ulong without overflow
        }

        if (value > long.MaxValue)
        {
            return false;
        }

        position = (long)value;
        return true;
    }
}
