using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// Every rejection docs/protocol.md lists: its status, an RFC 9457 problem+json body, nothing appended, and a server that keeps
/// serving. One table, one row per case.
/// </summary>
public sealed class BadInputTests : IClassFixture<MemoryHostFixture>
{
    private const string Target = "target";
    private const int OneMiB = 1024 * 1024;

    private static readonly Dictionary<string, BadRequest> s_cases = BuildCases();

    private readonly HeraldHost _host;

    public BadInputTests(MemoryHostFixture fixture) => _host = fixture.Host;

    public static TheoryData<string> Cases => [.. s_cases.Keys];

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Request_InvalidInput_AnswersProblemAndAppendsNothing(string name)
    {
        BadRequest bad = s_cases[name];
        HttpClient http = _host.Client;
        await http.PublishAsync(Target, "seed");
        long lastBefore = (await http.GetInfoAsync(Target)).Last;
        double publishedBefore = (await http.GetMetricsAsync()).Sample("herald_events_published_total");

        using HttpRequestMessage request = bad.Build();
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.True((int)response.StatusCode == bad.Status, $"{name}: expected {bad.Status}, got {(int)response.StatusCode} ({response.Content.Headers.ContentType})");
        using CancellationTokenSource timeout = new(TestTimeouts.Frame); // a wrongly accepted subscribe would never end its body
        string body = await response.Content.ReadAsStringAsync(timeout.Token);

        Assert.True((int)response.StatusCode == bad.Status, $"{name}: expected {bad.Status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using (JsonDocument problem = JsonDocument.Parse(body))
        {
            JsonElement root = problem.RootElement;
            Assert.False(string.IsNullOrEmpty(root.GetProperty("type").GetString()), body);
            Assert.False(string.IsNullOrEmpty(root.GetProperty("title").GetString()), body);
            Assert.Equal(bad.Status, root.GetProperty("status").GetInt32());
            Assert.False(string.IsNullOrEmpty(root.GetProperty("detail").GetString()), body);
            if (bad.Line is int line)
            {
                Assert.True(root.TryGetProperty("line", out JsonElement actual), $"{name}: the problem must name the line: {body}");
                Assert.Equal(line, actual.GetInt32());
            }
        }

        Assert.Equal(lastBefore, (await http.GetInfoAsync(Target)).Last);
        Assert.Equal(publishedBefore, (await http.GetMetricsAsync()).Sample("herald_events_published_total"));
        Assert.Equal(lastBefore + 1, await http.PublishAsync(Target, "still serving"));
    }

    [Theory]
    [InlineData("GET", "/streams/..", "/")]
    [InlineData("POST", "/streams/..", "/")]
    [InlineData("GET", "/streams/%2E%2E", "/")]
    [InlineData("POST", "/streams/%2E%2E", "/")]
    [InlineData("POST", "/streams/%2e%2e/batch", "/batch")]
    [InlineData("GET", "/streams/../info", "/info")]
    [InlineData("GET", "/streams/%2E%2E/events", "/events")]
    [InlineData("GET", "/streams/.", "/streams/")]
    [InlineData("POST", "/streams/%2E", "/streams/")]
    public async Task Request_DotSegmentStreamName_IsAnsweredAsTheResolvedPathNeverAsAStream(string method, string path, string resolved)
    {
        // Sent on a raw socket: HttpClient's Uri would resolve the dot segments before they ever reach the server.
        int status = await SendRawAsync(_host.BaseAddress, method, path);
        int resolvedStatus = await SendRawAsync(_host.BaseAddress, method, resolved);

        // "/" is the console and "/streams/" the stream list (docs/protocol.md): a 200 there is the resolved path's answer.
        Assert.True(status == resolvedStatus, $"{method} {path}: expected {resolvedStatus} as for {method} {resolved}, got {status}");
        Assert.NotEqual(201, status);
    }

    [Fact]
    public async Task Publish_BodyOfExactlyOneMiB_Answers201()
    {
        byte[] body = new byte[OneMiB];
        Array.Fill(body, (byte)'a');

        using HttpResponseMessage response = await _host.Client.PostAsync("/streams/exactly-1mib", body);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        (IReadOnlyList<ReadEvent> events, _) = await _host.Client.GetEventsAsync("exactly-1mib");
        Assert.Equal(OneMiB, Assert.Single(events).Data.Length);
    }

    [Fact]
    public async Task Publish_StreamNameOf128Characters_Answers201()
    {
        string name = new('n', 128);

        Assert.Equal(1, await _host.Client.PublishAsync(name, "x"));
    }

    private static Dictionary<string, BadRequest> BuildCases()
    {
        Dictionary<string, BadRequest> cases = new(StringComparer.Ordinal);
        void Add(string name, int status, Func<HttpRequestMessage> build, int? line = null) => cases.Add(name, new BadRequest(status, build, line));
        static HttpRequestMessage Post(string path, byte[] body, params (string Name, string Value)[] headers)
        {
            HttpRequestMessage request = new(HttpMethod.Post, path) { Content = new ByteArrayContent(body) };
            foreach ((string n, string v) in headers)
            {
                Assert.True(request.Headers.TryAddWithoutValidation(n, v), $"header {n}");
            }

            return request;
        }

        static HttpRequestMessage Get(string path, params (string Name, string Value)[] headers)
        {
            HttpRequestMessage request = new(HttpMethod.Get, path);
            foreach ((string n, string v) in headers)
            {
                Assert.True(request.Headers.TryAddWithoutValidation(n, v), $"header {n}");
            }

            return request;
        }

        static byte[] Utf8(string s) => Encoding.UTF8.GetBytes(s);
        byte[] ok = Utf8("ok");

        // Stream names, on every endpoint.
        string tooLong = new('a', 129);
        foreach ((string label, string segment) in new[] { ("129-chars", tooLong), ("space", "a%20b"), ("non-ascii", "%C3%BC"), ("leading-dot", ".x"), ("slash-encoded", "a%2Fb") })
        {
            Add($"name {label}: publish", 400, () => Post($"/streams/{segment}", ok));
            Add($"name {label}: batch", 400, () => Post($"/streams/{segment}/batch", Utf8("{\"data\":\"x\"}")));
            Add($"name {label}: subscribe", 400, () => Get($"/streams/{segment}"));
            Add($"name {label}: info", 400, () => Get($"/streams/{segment}/info"));
            Add($"name {label}: events", 400, () => Get($"/streams/{segment}/events"));
        }

        // Resume positions: header and query.
        foreach (string position in new[] { "-1", "01", "1.0", "+1", "9223372036854775808", "99999999999999999999", "abc", "1a", "" })
        {
            Add($"position header '{position}'", 400, () => Get($"/streams/{Target}", ("Last-Event-ID", position)));
            Add($"position query '{position}'", 400, () => Get($"/streams/{Target}?lastEventId={Uri.EscapeDataString(position)}"));
        }

        Add("position query ' 1'", 400, () => Get($"/streams/{Target}?lastEventId=%201"));
        Add("position query '1 '", 400, () => Get($"/streams/{Target}?lastEventId=1%20"));
        Add("position query twice", 400, () => Get($"/streams/{Target}?lastEventId=1&lastEventId=2"));

        // Publish bodies.
        Add("publish empty body", 400, () => Post($"/streams/{Target}", []));
        Add("publish invalid UTF-8", 400, () => Post($"/streams/{Target}", [0xC3, 0x28]));
        Add("publish lone surrogate bytes", 400, () => Post($"/streams/{Target}", [0xED, 0xA0, 0x80]));
        Add("publish 1 MiB + 1", 413, () => Post($"/streams/{Target}", new byte[OneMiB + 1]));

        // Event types.
        Add("event type empty", 400, () => Post($"/streams/{Target}?event=", ok));
        Add("event type 65 chars", 400, () => Post($"/streams/{Target}?event={new string('e', 65)}", ok));
        Add("event type space", 400, () => Post($"/streams/{Target}?event=a%20b", ok));
        Add("event type LF", 400, () => Post($"/streams/{Target}?event=a%0A", ok));
        Add("event type twice", 400, () => Post($"/streams/{Target}?event=a&event=b", ok));

        // Idempotency keys, single and batch.
        Add("idempotency key 201 chars", 400, () => Post($"/streams/{Target}", ok, ("Idempotency-Key", new string('k', 201))));
        Add("idempotency key with space", 400, () => Post($"/streams/{Target}", ok, ("Idempotency-Key", "a b")));
        Add("idempotency key with tab", 400, () => Post($"/streams/{Target}", ok, ("Idempotency-Key", "a\tb")));
        Add("batch idempotency key with space", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"x\"}"), ("Idempotency-Key", "a b")));

        // Batches: line numbers count every line from 1, blank ones included.
        Add("batch invalid JSON line", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"a\"}\n{not json}\n")), line: 2);
        Add("batch missing data", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"event\":\"x\"}")), line: 1);
        Add("batch bad event", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"a\"}\n{\"data\":\"b\",\"event\":\"a b\"}")), line: 2);
        Add("batch empty data", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"\"}")), line: 1);
        Add("batch blank lines counted", 400, () => Post($"/streams/{Target}/batch", Utf8("\n\n{\"data\":\"a\"}\n\r\n{\"data\":1,}\n")), line: 5);
        Add("batch not an object", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"a\"}\n[\"data\"]")), line: 2);
        Add("batch trailing garbage", 400, () => Post($"/streams/{Target}/batch", Utf8("{\"data\":\"a\"} x")), line: 1);
        Add("batch invalid UTF-8 line", 400, () => Post($"/streams/{Target}/batch", [.. Utf8("{\"data\":\"a\"}\n{\"data\":\""), 0xC3, 0x28, .. Utf8("\"}")]), line: 2);
        Add("batch 10,001 events", 413, () => Post($"/streams/{Target}/batch", Utf8(string.Concat(Enumerable.Repeat("{\"data\":\"e\"}\n", 10_001)))), line: 10_001);
        Add("batch body over 16 MiB", 413, () =>
        {
            string data = new('d', (16 * OneMiB / 2) + 10);
            return Post($"/streams/{Target}/batch", Utf8($"{{\"data\":\"{data}\"}}\n{{\"data\":\"{data}\"}}\n"));
        });

        // Reads.
        foreach (string query in new[] { "after=-1", "after=01", "after=abc", "after=", "after=9223372036854775808", "limit=0", "limit=-1", "limit=abc", "limit=", "limit=01" })
        {
            Add($"events {query}", 400, () => Get($"/streams/{Target}/events?{query}"));
        }

        return cases;
    }

    private static async Task<int> SendRawAsync(Uri baseAddress, string method, string path)
    {
        using TcpClient tcp = new();
        using CancellationTokenSource timeout = new(TestTimeouts.Frame);
        await tcp.ConnectAsync(baseAddress.Host, baseAddress.Port, timeout.Token);
        NetworkStream stream = tcp.GetStream();
        string body = method == "POST" ? "{\"data\":\"x\"}" : string.Empty;
        string request = $"{method} {path} HTTP/1.1\r\nHost: {baseAddress.Authority}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n{body}";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(request), timeout.Token);
        byte[] buffer = new byte[64];
        int read = 0;
        while (read < 12)
        {
            int n = await stream.ReadAsync(buffer.AsMemory(read), timeout.Token);
            Assert.True(n > 0, $"{method} {path}: the connection closed before a status line");
            read += n;
        }

        string statusLine = Encoding.ASCII.GetString(buffer, 0, read);
        return int.Parse(statusLine.AsSpan(9, 3), System.Globalization.CultureInfo.InvariantCulture);
    }

    private sealed record BadRequest(int Status, Func<HttpRequestMessage> Build, int? Line);
}
