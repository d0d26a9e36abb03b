using System.Buffers;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Herald.Http.Formats;

/// <summary>Writes JSON bodies straight into the response, without an intermediate object or string.</summary>
internal static class JsonResponses
{
    // Relaxed escaping keeps non-ASCII text and quotes readable; these bodies are application/json, never inlined into HTML.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>A small body, sent with a Content-Length: no chunked framing on the publish hot path.</summary>
    public static Task WriteAsync<TState>(HttpContext context, int status, TState state, Action<Utf8JsonWriter, TState> body) =>
        WriteAsync(context, status, "application/json", state, body);

    public static Task WriteAsync<TState>(HttpContext context, int status, string contentType, TState state, Action<Utf8JsonWriter, TState> body)
    {
        ArrayBufferWriter<byte> buffer = new(256);
        using (Utf8JsonWriter json = new(buffer, WriterOptions))
        {
            json.WriteStartObject();
            body(json, state);
            json.WriteEndObject();
        }

        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = contentType;
        response.ContentLength = buffer.WrittenCount;
        response.BodyWriter.Write(buffer.WrittenSpan);
        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }

    /// <summary>A body of unknown and possibly large size (a page of events), streamed as it is written.</summary>
    public static Task StreamAsync<TState>(HttpContext context, int status, TState state, Action<Utf8JsonWriter, TState> body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (Utf8JsonWriter json = new(response.BodyWriter, WriterOptions))
        {
            json.WriteStartObject();
            body(json, state);
            json.WriteEndObject();
        }

        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
