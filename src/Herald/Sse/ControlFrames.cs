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

    public static void WriteGap(IBufferWriter<byte> output, long lastEventId, long first) =>
        Write(output, "gap"u8, json =>
        {
            json.WriteNumber("lastEventId", lastEventId);
            json.WriteNumber("first", first);
        });

    public static void WriteReset(IBufferWriter<byte> output, long lastEventId, long last, string epoch) =>
        Write(output, "reset"u8, json =>
        {
            json.WriteNumber("lastEventId", lastEventId);
            json.WriteNumber("last", last);
            json.WriteString("epoch", epoch);
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
