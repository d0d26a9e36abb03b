namespace Herald.Validation;

/// <summary>
/// docs/protocol.md "Subscribe to several streams": a cursor is one <c>&lt;name&gt;:&lt;id&gt;</c> pair per stream, joined by
/// <c>,</c> — <c>orders:42,prices:17</c> — with no spaces, no empty pair, no trailing comma and no name twice.
/// </summary>
internal static class CompositeCursor
{
    /// <summary>
    /// Reads <paramref name="text"/> into each stream's position; false with the reason when it is malformed or holds more
    /// than <paramref name="maxPairs"/> pairs.
    /// </summary>
    public static bool TryParse(string text, int maxPairs, out Dictionary<string, long> positions, out string? error)
    {
        positions = new Dictionary<string, long>(StringComparer.Ordinal);
        error = null;
        if (text.Length == 0)
        {
            error = "is empty";
            return false;
        }

        ReadOnlySpan<char> rest = text;
        while (true)
        {
            int comma = rest.IndexOf(',');
            ReadOnlySpan<char> pair = comma < 0 ? rest : rest[..comma];
            int colon = pair.IndexOf(':');
            if (colon < 0)
            {
                error = "has a pair without ':' (each pair is <stream>:<id>)";
                return false;
            }

            ReadOnlySpan<char> name = pair[..colon];
            if (!StreamNames.IsValid(name))
            {
                error = "names an invalid stream";
                return false;
            }

            if (!StreamPosition.TryParse(pair[(colon + 1)..], out long position))
            {
                error = "has a position that is not a decimal event ID from 0 to 9223372036854775807 (no sign, leading zero or space)";
                return false;
            }

            if (positions.Count == maxPairs)
            {
                error = $"has more than {maxPairs} pairs";
                return false;
            }

            if (!positions.TryAdd(name.ToString(), position))
            {
                error = "names a stream twice";
                return false;
            }

            if (comma < 0)
            {
                return true;
            }

            rest = rest[(comma + 1)..];
        }
    }
}
