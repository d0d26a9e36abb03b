using System.Globalization;

namespace Herald.Redis.Tests.Topology;

/// <summary>The five kinds of RESP2 reply; a null bulk string and a null array are both <see cref="Null"/>.</summary>
public enum RespKind
{
    SimpleString,
    Error,
    Number,
    BulkString,
    Array,
    Null,
}

/// <summary>
/// One Redis reply as the test helpers read it off the wire. Tests ask for topology facts (<c>CLUSTER SLOTS</c>,
/// <c>INFO replication</c>, <c>CLIENT LIST</c>) whose replies are nested arrays or multi-line strings, which a
/// one-line inline reply cannot carry; this keeps their shape without pulling a client library into the infrastructure.
/// </summary>
public sealed class RespValue
{
    private RespValue(RespKind kind, string? text, long number, IReadOnlyList<RespValue> items)
    {
        Kind = kind;
        Text = text;
        Number = number;
        Items = items;
    }

    public RespKind Kind { get; }

    /// <summary>The string of a simple string, bulk string or error (the error's message with its code, e.g. <c>READONLY …</c>); null otherwise.</summary>
    public string? Text { get; }

    /// <summary>The value of an integer reply; 0 otherwise.</summary>
    public long Number { get; }

    /// <summary>The elements of an array reply; empty otherwise.</summary>
    public IReadOnlyList<RespValue> Items { get; }

    public bool IsNull => Kind == RespKind.Null;

    public bool IsError => Kind == RespKind.Error;

    internal static RespValue Simple(string text) => new(RespKind.SimpleString, text, 0, []);

    internal static RespValue ErrorReply(string message) => new(RespKind.Error, message, 0, []);

    internal static RespValue Integer(long number) => new(RespKind.Number, null, number, []);

    internal static RespValue Bulk(string text) => new(RespKind.BulkString, text, 0, []);

    internal static RespValue ArrayOf(IReadOnlyList<RespValue> items) => new(RespKind.Array, null, 0, items);

    internal static RespValue NullReply { get; } = new(RespKind.Null, null, 0, []);

    /// <summary>
    /// The simple string form: strings as they are, integers in invariant digits, nil as <c>(nil)</c>, an error as
    /// <c>(error) message</c> (as redis-cli prints them), an array as <c>[a, b, [c]]</c>.
    /// </summary>
    public override string ToString() => Kind switch
    {
        RespKind.SimpleString or RespKind.BulkString => Text!,
        RespKind.Number => Number.ToString(CultureInfo.InvariantCulture),
        RespKind.Null => "(nil)",
        RespKind.Error => $"(error) {Text}",
        _ => $"[{string.Join(", ", Items.Select(item => item.ToString()))}]",
    };
}

/// <summary>An error reply (<c>-ERR …</c>, <c>-READONLY …</c>) to a command a helper expected to succeed.</summary>
public sealed class RedisReplyException(string message, string error) : Exception(message)
{
    /// <summary>The error as Redis sent it, code first (<c>READONLY You can't write against a read only replica.</c>).</summary>
    public string Error { get; } = error;
}
