using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace Herald.ModelContextProtocol;

/// <summary>
/// The Herald stream names under which MCP data is kept. MCP session and stream IDs are arbitrary strings (a JSON-RPC
/// request ID can be any JSON string), while a Herald stream name is 1–128 characters of <c>A-Z a-z 0-9 _ . -</c>, so
/// the IDs are hashed: the same MCP IDs always give the same name, on every node and after every restart, and the
/// original IDs are stored inside the stream (its <c>open</c> record) rather than recovered from the name.
/// </summary>
internal static class McpStreamNames
{
    /// <summary>Every name this package writes starts with it, so an <c>IHeraldAuthorizer</c> can keep Herald's HTTP API away from them.</summary>
    public const string Prefix = "mcp.";

    private static readonly SearchValues<char> s_hex = SearchValues.Create("0123456789abcdef");

    private const string EventStreamPrefix = Prefix + "e.";
    private const string SessionPrefix = Prefix + "s.";

    /// <summary>Hex characters kept from the SHA-256: 128 bits, far beyond any chance of two MCP streams meeting.</summary>
    private const int HashChars = 32;

    /// <summary>The length of every event stream name.</summary>
    public const int EventStreamNameLength = 6 + HashChars;

    /// <summary>The Herald stream that holds MCP stream <paramref name="streamId"/> of session <paramref name="sessionId"/>.</summary>
    public static string ForEventStream(string sessionId, string streamId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        ArgumentNullException.ThrowIfNull(streamId);

        // Length-prefixed, so that ("ab", "c") and ("a", "bc") cannot hash alike.
        int sessionBytes = Encoding.UTF8.GetByteCount(sessionId);
        byte[] input = new byte[4 + sessionBytes + Encoding.UTF8.GetByteCount(streamId)];
        BinaryPrimitives.WriteInt32BigEndian(input, sessionBytes);
        Encoding.UTF8.GetBytes(sessionId, input.AsSpan(4));
        Encoding.UTF8.GetBytes(streamId, input.AsSpan(4 + sessionBytes));
        return EventStreamPrefix + Hash(input);
    }

    /// <summary>The Herald stream that holds what is needed to take over MCP session <paramref name="sessionId"/> after a restart.</summary>
    public static string ForSession(string sessionId)
    {
        ArgumentNullException.ThrowIfNull(sessionId);
        return SessionPrefix + Hash(Encoding.UTF8.GetBytes(sessionId));
    }

    /// <summary>Whether <paramref name="name"/> has the exact shape <see cref="ForEventStream"/> gives (lowercase hex, fixed length).</summary>
    public static bool IsEventStreamName(ReadOnlySpan<char> name) =>
        name.Length == EventStreamNameLength
        && name.StartsWith(EventStreamPrefix, StringComparison.Ordinal)
        && !name[EventStreamPrefix.Length..].ContainsAnyExcept(s_hex);

    private static string Hash(ReadOnlySpan<byte> input)
    {
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(input, hash);
        return Convert.ToHexStringLower(hash[..(HashChars / 2)]);
    }
}
