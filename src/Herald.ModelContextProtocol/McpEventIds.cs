using System.Globalization;

namespace Herald.ModelContextProtocol;

/// <summary>
/// The SSE event IDs handed to MCP clients: <c>&lt;herald stream&gt;:&lt;position&gt;</c>, e.g. <c>mcp.e.0f…9c:7</c>,
/// where the position is the event's Herald ID (1, 2, 3, … in its stream). Everything a resume needs is in the ID, so
/// any node that shares the store can serve it, and no lookup table has to survive a crash. Only the canonical spelling
/// parses (no sign, no leading zero, lowercase hex), so one event has exactly one ID.
/// </summary>
internal static class McpEventIds
{
    private const char Separator = ':';

    public static string Format(string stream, long position)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(position);
        return string.Create(CultureInfo.InvariantCulture, $"{stream}{Separator}{position}");
    }

    /// <summary>Parses an ID made by <see cref="Format"/>; <see langword="false"/> for anything else, foreign or malformed.</summary>
    public static bool TryParse(string? eventId, out string stream, out long position)
    {
        stream = string.Empty;
        position = 0;
        if (string.IsNullOrEmpty(eventId))
        {
            return false;
        }

        int separator = eventId.IndexOf(Separator, StringComparison.Ordinal);
        if (separator < 0)
        {
            return false;
        }

        ReadOnlySpan<char> name = eventId.AsSpan(0, separator);
        ReadOnlySpan<char> digits = eventId.AsSpan(separator + 1);
        if (!McpStreamNames.IsEventStreamName(name)
            || digits.Length is 0 or > 19
            || digits[0] == '0'
            || digits.ContainsAnyExceptInRange('0', '9')
            || !long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out position))
        {
            position = 0;
            return false;
        }

        stream = name.ToString();
        return true;
    }
}
