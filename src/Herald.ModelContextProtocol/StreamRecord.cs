using System.Buffers;
using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Herald.ModelContextProtocol;

/// <summary>
/// One Herald event of an MCP stream, and its encoding: the kind is the Herald event type, the rest a small JSON
/// object. Every record carries the stream's mode as it stands after it, so a reader that resumes anywhere knows
/// whether to wait for more (streaming) or stop when caught up (polling) without scanning the stream from its start.
/// </summary>
internal sealed record StreamRecord(StreamRecordKind Kind, SseEventStreamMode Mode)
{
    private static readonly JsonTypeInfo<JsonRpcMessage> s_messageType =
        (JsonTypeInfo<JsonRpcMessage>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(JsonRpcMessage));

    /// <summary>The MCP session ID (<see cref="StreamRecordKind.Open"/> only).</summary>
    public string? SessionId { get; init; }

    /// <summary>The MCP stream ID (<see cref="StreamRecordKind.Open"/> only).</summary>
    public string? StreamId { get; init; }

    /// <summary>The last item of a request's response stream: readers stop after it, even if its writer never got to say <see cref="StreamRecordKind.End"/>.</summary>
    public bool Final { get; init; }

    /// <summary>The SSE <c>event:</c> of an item (<c>message</c>, or <c>prime</c> for the SDK's priming event).</summary>
    public string? EventType { get; init; }

    /// <summary>The SSE <c>retry:</c> of an item, when the SDK set one (it does when it switches a stream to polling).</summary>
    public TimeSpan? ReconnectionInterval { get; init; }

    /// <summary>The JSON-RPC message of an item; <see langword="null"/> for a priming event, which has no data.</summary>
    public JsonRpcMessage? Message { get; init; }

    public static StreamRecord Open(string sessionId, string streamId, SseEventStreamMode mode) =>
        new(StreamRecordKind.Open, mode) { SessionId = sessionId, StreamId = streamId };

    public static StreamRecord Item(SseItem<JsonRpcMessage?> item, SseEventStreamMode mode, bool final) =>
        new(StreamRecordKind.Item, mode) { EventType = item.EventType, ReconnectionInterval = item.ReconnectionInterval, Message = item.Data, Final = final };

    /// <summary>The SSE item this record stored, with its ID.</summary>
    public SseItem<JsonRpcMessage?> ToSseItem(string eventId) =>
        new(Message, EventType) { EventId = eventId, ReconnectionInterval = ReconnectionInterval };

    public EventData Encode()
    {
        ArrayBufferWriter<byte> buffer = new(256);
        using (Utf8JsonWriter json = new(buffer))
        {
            json.WriteStartObject();
            json.WriteString("mode", ModeName(Mode));
            WriteIfSet(json, "session", SessionId);
            WriteIfSet(json, "stream", StreamId);
            WriteIfSet(json, "event", EventType);
            if (Final)
            {
                json.WriteBoolean("final", true);
            }

            if (ReconnectionInterval is TimeSpan retry)
            {
                json.WriteNumber("retry", (long)retry.TotalMilliseconds);
            }

            if (Message is not null)
            {
                json.WritePropertyName("data");
                JsonSerializer.Serialize(json, Message, s_messageType);
            }

            json.WriteEndObject();
        }

        return new EventData(KindName(Kind), buffer.WrittenMemory.ToArray());
    }

    /// <summary>Decodes a stored event; <see langword="null"/> when it is not one this package wrote (a foreign event in the stream).</summary>
    public static StreamRecord? Decode(StoredEvent stored)
    {
        if (!TryParseKind(stored.EventType, out StreamRecordKind kind))
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(stored.Data);
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("mode", out JsonElement mode)
                || !TryParseMode(mode.GetString(), out SseEventStreamMode parsedMode))
            {
                return null;
            }

            return new StreamRecord(kind, parsedMode)
            {
                SessionId = StringOrNull(root, "session"),
                StreamId = StringOrNull(root, "stream"),
                EventType = StringOrNull(root, "event"),
                Final = root.TryGetProperty("final", out JsonElement final) && final.ValueKind == JsonValueKind.True,
                ReconnectionInterval = root.TryGetProperty("retry", out JsonElement retry) ? TimeSpan.FromMilliseconds(retry.GetInt64()) : null,
                Message = root.TryGetProperty("data", out JsonElement data) ? data.Deserialize(s_messageType) : null,
            };
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static void WriteIfSet(Utf8JsonWriter json, string name, string? value)
    {
        if (value is not null)
        {
            json.WriteString(name, value);
        }
    }

    private static string? StringOrNull(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement value) ? value.GetString() : null;

    private static string KindName(StreamRecordKind kind) => kind switch
    {
        StreamRecordKind.Open => "open",
        StreamRecordKind.Item => "item",
        StreamRecordKind.Mode => "mode",
        StreamRecordKind.End => "end",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    private static bool TryParseKind(string? name, out StreamRecordKind kind)
    {
        (bool known, kind) = name switch
        {
            "open" => (true, StreamRecordKind.Open),
            "item" => (true, StreamRecordKind.Item),
            "mode" => (true, StreamRecordKind.Mode),
            "end" => (true, StreamRecordKind.End),
            _ => (false, default),
        };
        return known;
    }

    private static string ModeName(SseEventStreamMode mode) => mode switch
    {
        SseEventStreamMode.Streaming => "streaming",
        SseEventStreamMode.Polling => "polling",
        _ => throw new ArgumentOutOfRangeException(nameof(mode), mode, null),
    };

    private static bool TryParseMode(string? name, out SseEventStreamMode mode)
    {
        (bool known, mode) = name switch
        {
            "streaming" => (true, SseEventStreamMode.Streaming),
            "polling" => (true, SseEventStreamMode.Polling),
            _ => (false, default),
        };
        return known;
    }
}
