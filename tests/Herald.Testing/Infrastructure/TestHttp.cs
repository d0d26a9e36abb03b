using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;

namespace Herald.Testing.Infrastructure;

internal static class TestHttp
{
    /// <param name="receiveBufferBytes">A small socket receive buffer makes a client that stops reading push back on the server quickly.</param>
    public static HttpClient CreateClient(Uri baseAddress, int? receiveBufferBytes = null) =>
        // Timeout covers a request up to its headers; SSE bodies are read with their own bounded waits.
        new(CreateHandler(receiveBufferBytes)) { BaseAddress = baseAddress, Timeout = TestTimeouts.Bulk };

    public static SocketsHttpHandler CreateHandler(int? receiveBufferBytes = null)
    {
        SocketsHttpHandler handler = new()
        {
            AutomaticDecompression = DecompressionMethods.None,
            UseProxy = false,
            ConnectTimeout = TestTimeouts.Frame,
        };
        if (receiveBufferBytes is int size)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true, ReceiveBufferSize = size };
                try
                {
                    await socket.ConnectAsync(context.DnsEndPoint, cancellationToken);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }

        return handler;
    }
}

internal sealed record StreamInfoBody(string Stream, string Epoch, long? First, long Last, int Subscribers);

internal sealed record ReadEvent(long Id, string? Event, string Data);

/// <summary>Thin calls of docs/protocol.md's endpoints that assert the documented success shape.</summary>
internal static class HeraldApi
{
    public static async Task<HttpResponseMessage> PostAsync(this HttpClient http, string path, byte[] body, Action<HttpRequestMessage>? configure = null)
    {
        using HttpRequestMessage request = new(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("text/plain");
        configure?.Invoke(request);
        return await http.SendAsync(request);
    }

    /// <summary>Publishes one event and returns its ID; fails unless the answer is 201 with docs/protocol.md's body.</summary>
    public static async Task<long> PublishAsync(this HttpClient http, string stream, string data, string? eventType = null, string? idempotencyKey = null)
    {
        string path = "/streams/" + stream + (eventType is null ? string.Empty : "?event=" + Uri.EscapeDataString(eventType));
        using HttpResponseMessage response = await http.PostAsync(path, Encoding.UTF8.GetBytes(data), r =>
        {
            if (idempotencyKey is not null)
            {
                r.Headers.TryAddWithoutValidation("Idempotency-Key", idempotencyKey);
            }
        });
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"publish to {stream}: expected 201, got {(int)response.StatusCode}: {text}");
        using JsonDocument json = JsonDocument.Parse(text);
        Assert.Equal(stream, json.RootElement.GetProperty("stream").GetString());
        return json.RootElement.GetProperty("id").GetInt64();
    }

    public static async Task<(long First, long Last)> PublishBatchAsync(this HttpClient http, string stream, IEnumerable<string> data)
    {
        StringBuilder body = new();
        foreach (string d in data)
        {
            body.Append(JsonSerializer.Serialize(new { data = d })).Append('\n');
        }

        using HttpResponseMessage response = await http.PostAsync("/streams/" + stream + "/batch", Encoding.UTF8.GetBytes(body.ToString()));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Created, $"batch to {stream}: expected 201, got {(int)response.StatusCode}: {text}");
        using JsonDocument json = JsonDocument.Parse(text);
        return (json.RootElement.GetProperty("first").GetInt64(), json.RootElement.GetProperty("last").GetInt64());
    }

    public static async Task<StreamInfoBody> GetInfoAsync(this HttpClient http, string stream) =>
        (await InfoAsync(http, stream, unavailableIsNull: false))!; // anything but 200 fails the assertion inside

    /// <summary>The stream's <c>info</c>, or null while the node answers 503 (its store cannot answer now, e.g. during a failover).</summary>
    public static Task<StreamInfoBody?> TryGetInfoAsync(this HttpClient http, string stream) => InfoAsync(http, stream, unavailableIsNull: true);

    private static async Task<StreamInfoBody?> InfoAsync(HttpClient http, string stream, bool unavailableIsNull)
    {
        using HttpResponseMessage response = await http.GetAsync("/streams/" + stream + "/info");
        if (unavailableIsNull && response.StatusCode == HttpStatusCode.ServiceUnavailable)
        {
            return null;
        }

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"info of {stream}: expected 200{(unavailableIsNull ? " or 503" : "")}, got {(int)response.StatusCode}: {text}");
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        JsonElement first = root.GetProperty("first");
        return new StreamInfoBody(
            root.GetProperty("stream").GetString()!,
            root.GetProperty("epoch").GetString()!,
            first.ValueKind == JsonValueKind.Null ? null : first.GetInt64(),
            root.GetProperty("last").GetInt64(),
            root.GetProperty("subscribers").GetInt32());
    }

    public static async Task<(IReadOnlyList<ReadEvent> Events, long Last)> GetEventsAsync(this HttpClient http, string stream, string query = "")
    {
        using HttpResponseMessage response = await http.GetAsync("/streams/" + stream + "/events" + query);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"events of {stream}{query}: expected 200, got {(int)response.StatusCode}: {text}");
        using JsonDocument json = JsonDocument.Parse(text);
        JsonElement root = json.RootElement;
        Assert.Equal(stream, root.GetProperty("stream").GetString());
        List<ReadEvent> events = [];
        foreach (JsonElement e in root.GetProperty("events").EnumerateArray())
        {
            JsonElement type = e.GetProperty("event");
            events.Add(new ReadEvent(e.GetProperty("id").GetInt64(), type.ValueKind == JsonValueKind.Null ? null : type.GetString(), e.GetProperty("data").GetString()!));
        }

        return (events, root.GetProperty("last").GetInt64());
    }

    /// <summary>Every retained event of a stream, page by page.</summary>
    public static async Task<List<ReadEvent>> ReadAllAsync(this HttpClient http, string stream)
    {
        List<ReadEvent> all = [];
        long after = 0;
        while (true)
        {
            (IReadOnlyList<ReadEvent> page, long last) = await http.GetEventsAsync(stream, $"?after={after}&limit=1000");
            all.AddRange(page);
            if (page.Count == 0 || page[^1].Id >= last)
            {
                return all;
            }

            after = page[^1].Id;
        }
    }

    /// <summary>The samples of <c>/metrics</c>, keyed by name with labels as printed (e.g. <c>herald_resumes_total{outcome="gap"}</c>).</summary>
    public static async Task<Dictionary<string, double>> GetMetricsAsync(this HttpClient http)
    {
        string text = await http.GetStringAsync("/metrics");
        Dictionary<string, double> samples = new(StringComparer.Ordinal);
        foreach (string line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            int space = line.LastIndexOf(' ');
            samples[line[..space]] = double.Parse(line[(space + 1)..], CultureInfo.InvariantCulture);
        }

        return samples;
    }

    public static double Sample(this Dictionary<string, double> metrics, string key) =>
        metrics.TryGetValue(key, out double value) ? value : 0;
}
