using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>docs/protocol.md "List streams" and "Browser files": <c>GET /streams</c> pages, and the files browsers load (<c>/herald.js</c>, the console at <c>/</c>).</summary>
public sealed class StreamListAndBrowserFilesTests
{
    [Fact]
    public async Task ListStreams_SeveralPages_ListsEveryStreamOnceInOrdinalOrderWithSubscribers()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        string[] names = ["orders", "Audit", "b-2", "b.1", "zeta"];
        foreach (string name in names)
        {
            await host.Client.PublishAsync(name, "x");
        }

        await host.Client.PublishBatchAsync("orders", ["y", "z"]);
        await using SseClient subscriber = await SseClient.ConnectAsync(host.Client, "/streams/orders");
        await subscriber.WaitForTypeAsync("hello");

        List<JsonElement> listed = [];
        List<string?> nexts = [];
        string query = "?limit=2";
        while (true)
        {
            using JsonDocument page = await GetJsonAsync(host.Client, "/streams" + query);
            Assert.Equal(["streams", "next"], page.RootElement.EnumerateObject().Select(p => p.Name));
            listed.AddRange(page.RootElement.GetProperty("streams").EnumerateArray().Select(e => e.Clone()));
            string? next = page.RootElement.GetProperty("next").GetString();
            nexts.Add(next);
            if (next is null)
            {
                break;
            }

            query = "?limit=2&after=" + Uri.EscapeDataString(next);
        }

        Assert.Equal(names.Order(StringComparer.Ordinal), listed.Select(e => e.GetProperty("name").GetString()));
        Assert.Equal(["b-2", "orders", null], nexts); // a full last page says null, not a name that leads to an empty page
        JsonElement orders = listed.Single(e => e.GetProperty("name").GetString() == "orders");
        Assert.Equal(["name", "first", "last", "subscribers"], orders.EnumerateObject().Select(p => p.Name));
        Assert.Equal(1, orders.GetProperty("first").GetInt64());
        Assert.Equal(3, orders.GetProperty("last").GetInt64());
        Assert.Equal(1, orders.GetProperty("subscribers").GetInt32());
        Assert.Equal(0, listed.Single(e => e.GetProperty("name").GetString() == "zeta").GetProperty("subscribers").GetInt32());
    }

    [Fact]
    public async Task ListStreams_EmptyStoreWithoutParameters_ReturnsEmptyListAndNullNext()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using JsonDocument page = await GetJsonAsync(host.Client, "/streams");

        Assert.Equal("""{"streams":[],"next":null}""", page.RootElement.GetRawText());
    }

    [Theory]
    [InlineData("?limit=0", "invalid-limit")]
    [InlineData("?limit=-1", "invalid-limit")]
    [InlineData("?limit=01", "invalid-limit")]
    [InlineData("?limit=x", "invalid-limit")]
    [InlineData("?limit=1&limit=2", "invalid-limit")]
    [InlineData("?after=", "invalid-after")]
    [InlineData("?after=.hidden", "invalid-after")]
    [InlineData("?after=a%20b", "invalid-after")]
    [InlineData("?after=a&after=b", "invalid-after")]
    public async Task ListStreams_InvalidParameter_Is400ProblemJson(string query, string slug)
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await host.Client.GetAsync("/streams" + query);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:herald:problem:" + slug, problem.RootElement.GetProperty("type").GetString());
    }

    [Fact]
    public async Task ListStreams_LimitAboveCap_ReturnsAtMostTheCap()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        for (int i = 0; i < 3; i++)
        {
            await host.Client.PublishAsync($"s{i}", "x");
        }

        using JsonDocument page = await GetJsonAsync(host.Client, "/streams?limit=99999999");

        Assert.Equal(3, page.RootElement.GetProperty("streams").GetArrayLength());
    }

    [Theory]
    [InlineData("/herald.js", "application/javascript", "Herald.subscribe")]
    [InlineData("/", "text/html", "<title>Herald console</title>")]
    [InlineData("/herald-console.js", "application/javascript", "Herald.subscribe(")]
    [InlineData("/herald-console.css", "text/css", "--accent")]
    public async Task BrowserFile_Get_ServedWithTypeETagAndRevalidation(string path, string mediaType, string contains)
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage first = await host.Client.GetAsync(path);
        string body = await first.Content.ReadAsStringAsync();
        EntityTagHeaderValue? etag = first.Headers.ETag;
        using HttpRequestMessage again = new(HttpMethod.Get, path);
        again.Headers.IfNoneMatch.Add(etag!);
        using HttpResponseMessage revalidated = await host.Client.SendAsync(again);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(mediaType, first.Content.Headers.ContentType?.MediaType);
        Assert.Equal("utf-8", first.Content.Headers.ContentType?.CharSet);
        Assert.Contains(contains, body, StringComparison.Ordinal);
        Assert.NotNull(etag);
        Assert.False(etag.IsWeak);
        Assert.True(first.Headers.CacheControl?.NoCache);
        Assert.Equal(HttpStatusCode.NotModified, revalidated.StatusCode);
        Assert.Empty(await revalidated.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Console_Page_ReferencesOnlyThisOriginAndTheMappedPaths()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        using HttpResponseMessage response = await host.Client.GetAsync("/");
        string html = await response.Content.ReadAsStringAsync();

        Assert.Contains("default-src 'self'", response.Headers.GetValues("Content-Security-Policy").Single(), StringComparison.Ordinal);
        Assert.Contains("""<script src="/herald.js" defer></script>""", html, StringComparison.Ordinal);
        Assert.Contains("""data-streams="/streams" """.TrimEnd(), html, StringComparison.Ordinal);
        Assert.DoesNotContain("{{", html, StringComparison.Ordinal);
        Assert.DoesNotContain("http", html, StringComparison.OrdinalIgnoreCase); // no CDN, no absolute URL
    }

    [Fact]
    public async Task ApiRoutes_WithConsoleMapped_AnswerAsBefore()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        long id = await host.Client.PublishAsync("s", "x");
        StreamInfoBody info = await host.Client.GetInfoAsync("s");
        using HttpResponseMessage healthz = await host.Client.GetAsync("/healthz");
        using HttpResponseMessage unknown = await host.Client.GetAsync("/no-such-page");

        Assert.Equal(1, id);
        Assert.Equal(1, info.Last);
        Assert.Equal(HttpStatusCode.OK, healthz.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    private static async Task<JsonDocument> GetJsonAsync(HttpClient client, string path)
    {
        using HttpResponseMessage response = await client.GetAsync(path);
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        return JsonDocument.Parse(text);
    }
}
