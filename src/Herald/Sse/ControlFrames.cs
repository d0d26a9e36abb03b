using System.Buffers;
using System.Text.Json;

namespace Herald.Sse;

/// <summary>The frames without an <c>id:</c> that docs/protocol.md defines: <c>hello</c>, <c>gap</c> and <c>reset</c>.</summary>
internal static class ControlFrames
{
    public static void WriteHello(IBufferWriter<byte> output, string stream, string epoch, long last) =>
        Write(output, "hello"u8, json =>
        {
            json.WriteString("stream", stream);
            json.WriteString("epoch", epoch);
            json.WriteNumber("last", last);
        });

    /// <summary>The <c>hello</c> of a connection to several streams: the epoch, then each stream's last ID at connect time.</summary>
    public static void WriteHello(IBufferWriter<byte> output, string epoch, IReadOnlyList<(string Stream, long Last)> streams) =>
        Write(output, "hello"u8, json =>
        {
            json.WriteString("epoch", epoch);
            json.WriteStartArray("streams");
            foreach ((string stream, long last) in streams)
            {
                json.WriteStartObject();
                json.WriteString("stream", stream);
                json.WriteNumber("last", last);
                json.WriteEndObject();
            }

            json.WriteEndArray();
        });

    /// <param name="output">The response.</param>
    /// <param name="stream">The stream the frame is about when the connection follows several; null on a one-stream subscription.</param>
    /// <param name="lastEventId">The position the client held.</param>
    /// <param name="first">The first retained ID, where the replay continues.</param>
    public static void WriteGap(IBufferWriter<byte> output, string? stream, long lastEventId, long first) =>
        Write(output, "gap"u8, json =>
        {
            json.WriteNumber("lastEventId", lastEventId);
            json.WriteNumber("first", first);
            if (stream is not null)
            {
                json.WriteString("stream", stream);
            }
        });

    /// <param name="output">The response.</param>
    /// <param name="stream">The stream the frame is about when the connection follows several; null on a one-stream subscription.</param>
    /// <param name="lastEventId">The position the client held.</param>
    /// <param name="last">The stream's last ID now.</param>
    /// <param name="epoch">The store's epoch now.</param>
    public static void WriteReset(IBufferWriter<byte> output, string? stream, long lastEventId, long last, string epoch) =>
        Write(output, "reset"u8, json =>
        {
            json.WriteNumber("lastEventId", lastEventId);
            json.WriteNumber("last", last);
            json.WriteString("epoch", epoch);
            if (stream is not null)
            {
                json.WriteString("stream", stream);
            }
        });

    private static void Write(IBufferWriter<byte> output, ReadOnlySpan<byte> eventName, Action<Utf8JsonWriter> members)
    {
        ArrayBufferWriter<byte> buffer = new(128);
        using (Utf8JsonWriter json = new(buffer))
        {
            json.WriteStartObject();
            members(json);
            json.WriteEndObject();
        }

        EventFrame.WriteControl(output, eventName, buffer.WrittenSpan);
    }
}
