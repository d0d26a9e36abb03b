using System.Text;
using System.Text.Json;

namespace Herald.Client;

/// <summary>
/// A subscription to several streams on one connection: <c>GET /subscribe?stream=a&amp;stream=b</c> with a composite
/// <c>Last-Event-ID</c> (<c>a:42,b:17</c>). Every event frame's ID is the server's whole cursor after that event, one pair
/// advanced by one: the pair that moved names the event's stream. Each stream keeps its own position and drops its own
/// duplicates, exactly as a one-stream subscription does.
/// </summary>
internal sealed class SeveralStreamsSubscription : SubscriptionState
{
    private readonly string[] _streams;
    private readonly Dictionary<string, int> _index;

    /// <summary>Per stream, the last ID delivered or passed (or the live start, or where a gap or reset left it); null: live, not yet known.</summary>
    private readonly long?[] _positions;

    /// <summary>Per stream, the server's pair as of the last frame on this connection; null when unknown (after a reset).</summary>
    private readonly long?[] _server;

    /// <summary>The caller's pairs for streams not subscribed: kept in every cursor handed out, so a saved cursor loses none.</summary>
    private readonly KeyValuePair<string, long>[] _others;

    public SeveralStreamsSubscription(string[] streams, StreamCursor? cursor, IEnumerable<string>? eventTypes)
        : base(eventTypes)
    {
        _streams = streams;
        _index = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < streams.Length; i++)
        {
            _index.Add(streams[i], i);
        }

        _positions = new long?[streams.Length];
        _server = new long?[streams.Length];
        List<KeyValuePair<string, long>> others = [];
        foreach (KeyValuePair<string, long> pair in cursor?.Positions ?? [])
        {
            if (_index.TryGetValue(pair.Key, out int i))
            {
                _positions[i] = pair.Value;
            }
            else
            {
                others.Add(pair);
            }
        }

        _others = [.. others];
    }

    public override string Description => string.Join(", ", _streams.Select(s => $"'{s}'"));

    public override string? LastEventId
    {
        get
        {
            StringBuilder text = new();
            for (int i = 0; i < _streams.Length; i++)
            {
                if (_positions[i] is long position)
                {
                    text.Append(text.Length == 0 ? string.Empty : ",").Append(_streams[i]).Append(':').Append(position);
                }
            }

            // docs: a stream absent from the cursor starts live; no pair at all means every stream live.
            return text.Length == 0 ? null : text.ToString();
        }
    }

    /// <summary>Where the subscription is: subscribed streams in order (those with a position), then the caller's other pairs.</summary>
    public StreamCursor Cursor
    {
        get
        {
            List<KeyValuePair<string, long>> pairs = new(_streams.Length + _others.Length);
            for (int i = 0; i < _streams.Length; i++)
            {
                if (_positions[i] is long position)
                {
                    pairs.Add(new(_streams[i], position));
                }
            }

            pairs.AddRange(_others);
            return StreamCursor.FromPairs(pairs);
        }
    }

    public override Uri RequestUri(Uri baseUrl)
    {
        StringBuilder query = new();
        foreach (string stream in _streams)
        {
            Append(query, "stream", stream);
        }

        AppendCommonQuery(query);
        return new Uri(baseUrl, "subscribe" + query);
    }

    public override void Connecting()
    {
        base.Connecting();

        // The server starts each stream at the position sent (a live one at hello's last); gap and reset frames move it.
        Array.Copy(_positions, _server, _positions.Length);
    }

    protected override HeraldItem? AcceptIdentified(SseFrame frame, string idField)
    {
        if (!TryReadPairs(idField, out long?[] pairs))
        {
            return null;
        }

        if (frame.Data is null)
        {
            // An id-only frame: the type filter passed over events; resuming after them never reads them again.
            Advance(pairs);
            return null;
        }

        int stream = EventStream(pairs);
        if (stream < 0)
        {
            Advance(pairs);
            return null;
        }

        long id = pairs[stream]!.Value;
        bool duplicate = _positions[stream] is long delivered && id <= delivered;
        Advance(pairs);
        return duplicate ? null : new HeraldEvent(_streams[stream], id, frame.EventType, frame.Data, Cursor);
    }

    /// <summary>
    /// The stream whose pair moved, compared with the server's previous cursor. A stream just reset restarts from a
    /// position the client is not told (its first retained ID − 1): it is the event's stream only when no known pair moved.
    /// </summary>
    private int EventStream(long?[] pairs)
    {
        int moved = -1;
        int unknown = -1;
        for (int i = 0; i < pairs.Length; i++)
        {
            if (pairs[i] is not long pair)
            {
                continue;
            }

            if (_server[i] is long before)
            {
                if (pair != before && moved < 0)
                {
                    moved = i;
                }
            }
            else if (pair > 0 && unknown < 0)
            {
                // A reset stream's position is learned from the id-only frame the server sends after its reset frames
                // (docs/protocol.md); should an event come first, the first reset stream whose pair is set is taken.
                unknown = i;
            }
        }

        return moved >= 0 ? moved : unknown;
    }

    /// <summary>Takes the server's cursor as this connection's; a stream's position only moves forward (a reset set it to 0).</summary>
    private void Advance(long?[] pairs)
    {
        for (int i = 0; i < pairs.Length; i++)
        {
            if (pairs[i] is long pair)
            {
                _server[i] = pair;
                if (_positions[i] is not long position || pair > position)
                {
                    _positions[i] = pair;
                }
            }
        }
    }

    /// <summary>The composite ID's pair per subscribed stream (null where absent); pairs of other streams are ignored.</summary>
    private bool TryReadPairs(string id, out long?[] pairs)
    {
        pairs = new long?[_streams.Length];
        if (!StreamCursor.TryParse(id, out StreamCursor? cursor))
        {
            return false;
        }

        foreach (KeyValuePair<string, long> pair in cursor.Positions)
        {
            if (_index.TryGetValue(pair.Key, out int i))
            {
                pairs[i] = pair.Value;
            }
        }

        return true;
    }

    protected override HeraldItem? Hello(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        Epoch = Json.StringMember(json.RootElement, "epoch") ?? Epoch;
        if (json.RootElement.TryGetProperty("streams", out JsonElement streams) && streams.ValueKind == JsonValueKind.Array)
        {
            foreach (JsonElement entry in streams.EnumerateArray())
            {
                // A live stream is "after hello.last": keeping that lets a reconnect before its first event lose nothing.
                if (Json.StringMember(entry, "stream") is { } name && _index.TryGetValue(name, out int i) && _positions[i] is null)
                {
                    long last = entry.GetProperty("last").GetInt64();
                    _positions[i] = last;
                    _server[i] = last;
                }
            }
        }

        Greeted = true;
        Failures = 0;
        return null;
    }

    protected override HeraldItem? Gap(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        if (!TryStream(json.RootElement, out int i))
        {
            return null;
        }

        HeraldGap gap = new(_streams[i], json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("first").GetInt64());

        // The server's pair continues from F − 1; a reconnect before the first replayed event does not report the gap again.
        _server[i] = gap.First - 1;
        if (_positions[i] is not long position || gap.First - 1 > position)
        {
            _positions[i] = gap.First - 1;
        }

        return gap;
    }

    protected override HeraldItem? Reset(string data)
    {
        using JsonDocument json = JsonDocument.Parse(data);
        if (!TryStream(json.RootElement, out int i))
        {
            return null;
        }

        string epoch = Json.StringMember(json.RootElement, "epoch") ?? string.Empty;
        Epoch = epoch;

        // Every retained event follows, with IDs that may be at or below the old position; the server's pair restarts
        // from a position it does not send.
        _positions[i] = 0;
        _server[i] = null;
        return new HeraldReset(_streams[i], json.RootElement.GetProperty("lastEventId").GetInt64(), json.RootElement.GetProperty("last").GetInt64(), epoch);
    }

    private bool TryStream(JsonElement data, out int index)
    {
        index = -1;
        return Json.StringMember(data, "stream") is { } name && _index.TryGetValue(name, out index);
    }
}
