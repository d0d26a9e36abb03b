using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Herald.AspNetCore;

/// <summary>Writes small JSON bodies straight into the response pipe, without an intermediate object or string.</summary>
internal static class JsonResponses
{
    // Relaxed escaping keeps non-ASCII text and quotes readable; these bodies are application/json, never inlined into HTML.
    public static readonly JsonWriterOptions WriterOptions = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static Task WriteAsync<TState>(HttpContext context, int status, TState state, Action<Utf8JsonWriter, TState> body)
    {
        HttpResponse response = context.Response;
        response.StatusCode = status;
        response.ContentType = "application/json";
        using (Utf8JsonWriter json = new(response.BodyWriter))
        {
            json.WriteStartObject();
            body(json, state);
            json.WriteEndObject();
        }

        return response.BodyWriter.FlushAsync(context.RequestAborted).AsTask();
    }
}
