namespace Herald.Delivery;

/// <summary>
/// docs/protocol.md, the <c>type=</c> filter: which events a subscription delivers. <c>message</c> also stands for untyped
/// events, as <c>EventSource</c> names them. Events it skips still move the cursor (an id-only frame).
/// </summary>
internal sealed class EventTypeFilter
{
    /// <summary>How many <c>type=</c> parameters one subscription may name: a bound on what is held per connection.</summary>
    public const int MaxTypes = 64;

    private readonly HashSet<string> _types;
    private readonly bool _untyped;

    public EventTypeFilter(IEnumerable<string> types)
    {
        _types = new HashSet<string>(types, StringComparer.Ordinal);
        _untyped = _types.Contains("message");
    }

    public bool Matches(string? eventType) => eventType is null ? _untyped : _types.Contains(eventType);
}
