using System.Globalization;

namespace Herald.Testing.Infrastructure;

/// <summary>docs/protocol.md "Subscribe to several streams": the composite cursor <c>orders:42,prices:17</c>, read and written by tests.</summary>
internal static class CompositeId
{
    /// <summary>Each pair's position; <see cref="Streams"/> gives their order.</summary>
    public static Dictionary<string, long> Parse(string id) =>
        id.Split(',').Select(pair => pair.Split(':')).ToDictionary(p => p[0], p => long.Parse(p[1], NumberStyles.None, CultureInfo.InvariantCulture), StringComparer.Ordinal);

    /// <summary>The streams of <paramref name="id"/>'s pairs, in order.</summary>
    public static string[] Streams(string id) => [.. id.Split(',').Select(pair => pair.Split(':')[0])];

    public static string Format(IEnumerable<KeyValuePair<string, long>> pairs) =>
        string.Join(',', pairs.Select(p => p.Key + ":" + p.Value.ToString(CultureInfo.InvariantCulture)));
}
