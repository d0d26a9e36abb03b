using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace Herald.Client;

/// <summary>
/// A position in several streams at once: one event ID per stream, written <c>orders:42,prices:17</c> (the
/// <c>Last-Event-ID</c> of <c>GET /subscribe</c>). Immutable. Save <see cref="ToString"/> and give
/// <see cref="Parse"/>'s result back to <see cref="HeraldClient.SubscribeAsync(IEnumerable{string}, StreamCursor?, IEnumerable{string}?, CancellationToken)"/>
/// to resume exactly after what was delivered. Pairs keep their order; each stream appears once.
/// </summary>
public sealed class StreamCursor
{
    private readonly KeyValuePair<string, long>[] _positions;

    private StreamCursor(KeyValuePair<string, long>[] positions)
    {
        _positions = positions;
    }

    /// <summary>A cursor with no position: every stream starts live.</summary>
    public static StreamCursor Empty { get; } = new([]);

    /// <summary>Each stream's position (the last event ID delivered or passed), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, long>> Positions => _positions;

    /// <summary>Reads a cursor such as <c>orders:42,prices:17</c>.</summary>
    /// <param name="text">Pairs <c>&lt;stream&gt;:&lt;id&gt;</c> joined by <c>,</c>: no spaces, no empty pair, each stream once, IDs in plain decimal.</param>
    /// <returns>The cursor.</returns>
    /// <exception cref="FormatException"><paramref name="text"/> is not a cursor.</exception>
    public static StreamCursor Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return TryParse(text, out StreamCursor? cursor)
            ? cursor
            : throw new FormatException($"'{text}' is not a cursor: expected <stream>:<id> pairs joined by ',' such as orders:42,prices:17.");
    }

    /// <summary>Reads a cursor such as <c>orders:42,prices:17</c>; false when <paramref name="text"/> is not one.</summary>
    /// <param name="text">The text to read; null and empty are not cursors.</param>
    /// <param name="cursor">The cursor, or null.</param>
    /// <returns>Whether <paramref name="text"/> is a cursor.</returns>
    public static bool TryParse([NotNullWhen(true)] string? text, [NotNullWhen(true)] out StreamCursor? cursor)
    {
        cursor = null;
        if (string.IsNullOrEmpty(text))
        {
            return false;
        }

        List<KeyValuePair<string, long>> pairs = [];
        HashSet<string> seen = new(StringComparer.Ordinal);
        foreach (string pair in text.Split(','))
        {
            // The last ':' splits, although stream names allow no ':' today; the ID never holds one.
            int colon = pair.LastIndexOf(':');
            if (colon <= 0 || !TryParseId(pair.AsSpan(colon + 1), out long id))
            {
                return false;
            }

            string stream = pair[..colon];
            if (!seen.Add(stream))
            {
                return false;
            }

            pairs.Add(new(stream, id));
        }

        cursor = new StreamCursor([.. pairs]);
        return true;
    }

    /// <summary>The position of <paramref name="stream"/>; false when the cursor has none for it.</summary>
    /// <param name="stream">The stream's name.</param>
    /// <param name="position">Its position, or 0.</param>
    /// <returns>Whether the cursor has a position for <paramref name="stream"/>.</returns>
    public bool TryGetPosition(string stream, out long position)
    {
        foreach (KeyValuePair<string, long> pair in _positions)
        {
            if (string.Equals(pair.Key, stream, StringComparison.Ordinal))
            {
                position = pair.Value;
                return true;
            }
        }

        position = 0;
        return false;
    }

    /// <summary>A copy with <paramref name="stream"/> at <paramref name="position"/>: replaced in place, or added at the end.</summary>
    /// <param name="stream">The stream's name.</param>
    /// <param name="position">Its position: 0 means every retained event, N every event after N.</param>
    /// <returns>The new cursor.</returns>
    public StreamCursor With(string stream, long position)
    {
        ArgumentException.ThrowIfNullOrEmpty(stream);
        ArgumentOutOfRangeException.ThrowIfNegative(position);
        if (stream.Contains(',', StringComparison.Ordinal) || stream.Contains(':', StringComparison.Ordinal))
        {
            throw new ArgumentException("A stream name holds no ',' or ':'.", nameof(stream));
        }

        int index = Array.FindIndex(_positions, p => string.Equals(p.Key, stream, StringComparison.Ordinal));
        KeyValuePair<string, long>[] copy = index < 0 ? [.. _positions, new(stream, position)] : [.. _positions];
        if (index >= 0)
        {
            copy[index] = new(stream, position);
        }

        return new StreamCursor(copy);
    }

    /// <summary>The cursor as <c>Last-Event-ID</c> carries it: <c>orders:42,prices:17</c>; empty for <see cref="Empty"/>.</summary>
    /// <returns>The text <see cref="Parse"/> reads back.</returns>
    public override string ToString()
    {
        StringBuilder text = new();
        foreach (KeyValuePair<string, long> pair in _positions)
        {
            if (text.Length > 0)
            {
                text.Append(',');
            }

            text.Append(pair.Key).Append(':').Append(pair.Value.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }

    internal static StreamCursor FromPairs(IEnumerable<KeyValuePair<string, long>> pairs) => new([.. pairs]);

    /// <summary>docs/protocol.md: an ID is plain decimal, no sign, no leading zero (but 0 itself), at most long.MaxValue.</summary>
    internal static bool TryParseId(ReadOnlySpan<char> text, out long id)
    {
        id = 0;
        return text.Length > 0 && (text.Length == 1 || text[0] != '0')
            && long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out id);
    }
}
