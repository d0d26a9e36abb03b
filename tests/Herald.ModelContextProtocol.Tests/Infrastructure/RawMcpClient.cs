using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;

namespace Herald.ModelContextProtocol.Tests.Infrastructure;

/// <summary>
/// The Streamable HTTP transport spoken by hand, as an MCP client on protocol revision 2025-11-25 does: so that a test
/// chooses exactly which event it saw last and which <c>Last-Event-ID</c> it sends, and which server it sends it to.
/// </summary>
internal sealed class RawMcpClient : IDisposable
{
    public const string ProtocolVersion = "2025-11-25";

    private readonly HttpClient _http = new(new SocketsHttpHandler { UseProxy = false }) { Timeout = Timeout.InfiniteTimeSpan };

    public string? SessionId { get; private set; }

    /// <summary>initialize and notifications/initialized: afterwards <see cref="SessionId"/> is set.</summary>
    public async Task InitializeAsync(Uri server)
    {
        using HttpResponseMessage response = await PostAsync(server, """{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"herald-tests","version":"1"}}}""");
        await EnsureSuccessAsync(response, "initialize");
        SessionId = response.Headers.GetValues("Mcp-Session-Id").Single();
        await foreach (SseMessage _ in ReadEventsAsync(response))
        {
            // Drained: the initialize result.
        }

        using HttpResponseMessage initialized = await PostAsync(server, """{"jsonrpc":"2.0","method":"notifications/initialized"}""");
        Assert.True(initialized.IsSuccessStatusCode, $"notifications/initialized answered {(int)initialized.StatusCode}.");
    }

    /// <summary>tools/call of the sample's <c>count</c> tool with a progress token; the response is an SSE stream.</summary>
    public async Task<HttpResponseMessage> CallCountAsync(Uri server, int requestId, int steps, bool hold)
    {
        string arguments = $"{{\"steps\":{steps},\"hold\":{(hold ? "true" : "false")}}}";
        string body = $$"""{"jsonrpc":"2.0","id":{{requestId}},"method":"tools/call","params":{"name":"count","arguments":{{arguments}},"_meta":{"progressToken":"count-{{requestId}}"} } }""";
        HttpResponseMessage response = await PostAsync(server, body);
        await EnsureSuccessAsync(response, "tools/call");
        return response;
    }

    /// <summary>GET with <c>Last-Event-ID</c>: the resume request of the Streamable HTTP transport.</summary>
    public async Task<HttpResponseMessage> ResumeAsync(Uri server, string lastEventId)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, server);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("Mcp-Session-Id", SessionId);
        request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        request.Headers.Add("Last-Event-ID", lastEventId);
        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>The SSE events of <paramref name="response"/> until it ends or <paramref name="cancellationToken"/> fires.</summary>
    public static async IAsyncEnumerable<SseMessage> ReadEventsAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using StreamReader reader = new(await response.Content.ReadAsStreamAsync(cancellationToken), Encoding.UTF8);
        string? id = null;
        string eventType = "message";
        StringBuilder data = new();
        bool any = false;
        while (await reader.ReadLineAsync(cancellationToken) is string line)
        {
            if (line.Length == 0)
            {
                if (any)
                {
                    yield return new SseMessage(id, eventType, data.ToString());
                }

                (id, eventType, any) = (null, "message", false);
                data.Clear();
                continue;
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? string.Empty : line[(colon + 1)..].TrimStart(' ');
            any = true;
            switch (field)
            {
                case "id":
                    id = value;
                    break;
                case "event":
                    eventType = value;
                    break;
                case "data":
                    data.Append(data.Length > 0 ? "\n" : string.Empty).Append(value);
                    break;
                default:
                    break;
            }
        }
    }

    /// <summary>
    /// Fails with the body of an unsuccessful response. Reads the body only then: a successful one is an SSE stream
    /// that may never end, and reading it here would wait for its end.
    /// </summary>
    public static async Task EnsureSuccessAsync(HttpResponseMessage response, string what, string? context = null)
    {
        if (!response.IsSuccessStatusCode)
        {
            Assert.Fail($"{what} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}\n{context}");
        }
    }

    public void Dispose() => _http.Dispose();

    private async Task<HttpResponseMessage> PostAsync(Uri server, string json)
    {
        using HttpRequestMessage request = new(HttpMethod.Post, server) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.Add("MCP-Protocol-Version", ProtocolVersion);
        if (SessionId is not null)
        {
            request.Headers.Add("Mcp-Session-Id", SessionId);
        }

        return await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }
}
