using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Herald.Client;

/// <summary>A subscription to one stream: <c>GET /streams/{name}</c>, <c>Last-Event-ID</c> = the last ID delivered or passed.</summary>
internal sealed class OneStreamSubscription : SubscriptionState
{
    private readonly string _stream;

    public OneStreamSubscription(string stream, long? lastEventId, IEnumerable<string>? eventTypes)
        : base(eventTypes)
    {
        _stream = stream;
        Cursor = lastEventId;
    }

    /// <summary>The last ID yielded or passed by an id-only frame (or the live starting point); null before the first hello of a live subscription.</summary>
    public long? Cursor { get; private set; }

    public override string Description => $"'{_stream}'";

    public override string? LastEventId => Cursor?.ToString(CultureInfo.InvariantCulture);

    public override Uri RequestUri(Uri baseUrl)
    {
        StringBuilder query = new();
        AppendCommonQuery(query);
        return new Uri(baseUrl, "streams/" + Uri.EscapeDataString(_stream) + query);
    }

    protected override HeraldItem? AcceptIdentified(SseFrame frame, string idField)
    {
        if (!StreamCursor.TryParseId(idField, out long id))
        {
            return null;
        }

        if (Cursor is long cursor && id <= cursor)
        {
            return null; // already yielded: a replay overlapping what this subscription delivered
        }

        Cursor = id;

        // An id-only frame: the type filter passed over events up to id; resuming after them never reads them again.
        return frame.Data is null ? null : new HeraldEvent(_stream, id, frame.EventType, frame.Data, cursor: null);
    }

    protected override HeraldItem? Hello(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        Epoch = Json.StringMember(json.RootElement, "epoch") ?? Epoch;

        // A live-only subscription is "after hello.last" (docs/protocol.md: last = the state at connect time); keeping that as the
        // cursor lets a reconnect before the first event resume without losing anything.
        Cursor ??= json.RootElement.GetProperty("last").GetInt64();
        Greeted = true;
        Failures = 0;
        return null;
    }

    protected override HeraldItem? Gap(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        HeraldGap gap = new(_stream, json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("first").GetInt64());

        // The caller has been told about the gap: a reconnect before the first replayed event resumes after it rather
        // than reporting the same gap again.
        if (Cursor is not long cursor || gap.First - 1 > cursor)
        {
            Cursor = gap.First - 1;
        }

        return gap;
    }

    protected override HeraldItem? Reset(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        string epoch = Json.StringMember(json.RootElement, "epoch") ?? string.Empty;
        Epoch = epoch;

        // docs/protocol.md: after reset the server sends every retained event, whose IDs may be at or below the old cursor.
        Cursor = 0;
        return new HeraldReset(_stream, json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("last").GetInt64(), epoch);
    }
}
