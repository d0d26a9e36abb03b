using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Herald.Testing.Infrastructure;
using OrderBoard;

namespace Herald.Server.Tests;

/// <summary>samples/OrderBoard, started in process on loopback as `dotnet run` would: orders in, order-placed events out.</summary>
public sealed class OrderBoardSampleTests : IAsyncLifetime
{
    // A folder, not a TempDirectory field: the test class is IAsyncLifetime, and deletes it once the app has stopped.
    private readonly string _dir = Directory.CreateTempSubdirectory("herald-orderboard-").FullName;
    private HeraldHost? _host;

    private HeraldHost Host => _host ?? throw new InvalidOperationException("The sample has not started.");

    public async Task InitializeAsync() => _host = await HeraldHost.StartAsync(OrderBoardApp.Build(
    [
        "--urls=http://127.0.0.1:0",
        "--OrderBoard:Database=" + Path.Combine(_dir, "orders.db"),
        "--contentRoot=" + SampleFolder(),
        "--Logging:LogLevel:Default=Warning",
    ]));

    public async Task DisposeAsync()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

        Directory.Delete(_dir, recursive: true);
    }

    [Fact]
    public async Task PostOrders_AreReadBackOverSseAsOrderPlacedEventsWithIdsOneToN()
    {
        const int Orders = 5;
        await using SseClient board = await SseClient.ConnectAsync(Host.Client, "/streams/orders", lastEventId: "0");
        await board.WaitForTypeAsync("hello");

        List<long> answered = [];
        for (int i = 1; i <= Orders; i++)
        {
            using HttpResponseMessage response = await Host.Client.PostAsJsonAsync("/orders", new { customer = $"customer {i}", item = "tea", quantity = i });
            string text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == HttpStatusCode.Created, $"order {i}: expected 201, got {(int)response.StatusCode}: {text}");
            using JsonDocument created = JsonDocument.Parse(text);
            answered.Add(created.RootElement.GetProperty("eventId").GetInt64());
        }

        await board.WaitForIdAsync(Orders);
        IReadOnlyList<SseEvent> events = board.IdentifiedEvents;
        SequenceAssert.Contiguous([.. events.Select(e => e.NumericId)], 1, Orders, board.Description);
        Assert.Equal(Enumerable.Range(1, Orders).Select(i => (long)i), answered);
        Assert.All(events, e => Assert.Equal("order-placed", e.Type));
        for (int i = 1; i <= Orders; i++)
        {
            using JsonDocument order = JsonDocument.Parse(events[i - 1].Data);
            Assert.Equal($"customer {i}", order.RootElement.GetProperty("customer").GetString());
            Assert.Equal(i, order.RootElement.GetProperty("quantity").GetInt32());
        }
    }

    [Fact]
    public async Task PostOrder_Invalid_Answers400ProblemAndPublishesNothing()
    {
        using HttpResponseMessage response = await Host.Client.PostAsJsonAsync("/orders", new { customer = " ", item = "tea", quantity = 0 });
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(text);
        JsonElement errors = problem.RootElement.GetProperty("errors");
        Assert.True(errors.TryGetProperty("customer", out _), text);
        Assert.True(errors.TryGetProperty("quantity", out _), text);
        Assert.False(errors.TryGetProperty("item", out _), text);
        Assert.Equal(0, (await Host.Client.GetInfoAsync("orders")).Last);
    }

    [Fact]
    public async Task OrdersStream_OverHttp_IsReadOnlyAndOtherStreamsAreClosed()
    {
        using HttpResponseMessage publish = await Host.Client.PostAsync("/streams/orders", new StringContent("{\"forged\":true}"));
        using HttpResponseMessage other = await Host.Client.GetAsync("/streams/other/info");
        using HttpResponseMessage orders = await Host.Client.GetAsync("/streams/orders/info");

        Assert.Equal(HttpStatusCode.Forbidden, publish.StatusCode);
        Assert.Equal("application/problem+json", publish.Content.Headers.ContentType?.MediaType);
        Assert.Contains("urn:herald:problem:stream-forbidden", await publish.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, other.StatusCode);
        Assert.Equal(HttpStatusCode.OK, orders.StatusCode);
        Assert.Equal(0, (await Host.Client.GetInfoAsync("orders")).Last);
    }

    [Fact]
    public async Task Page_FollowsTheOrdersStreamWithHeraldJsOrEventSource()
    {
        string page = await Host.Client.GetStringAsync("/");

        Assert.Contains("<script src=\"/herald.js\"></script>", page, StringComparison.Ordinal);
        Assert.Contains("Herald.subscribe('/streams/orders'", page, StringComparison.Ordinal);
        Assert.Contains("new EventSource('/streams/orders?lastEventId=0')", page, StringComparison.Ordinal);
    }

    [Fact]
    public void Guide_CodeQuotedFromTheSample_IsTheSamplesCode()
    {
        // docs/embedding.md promises its code is the sample's: every line of a block introduced as coming from
        // samples/OrderBoard must be a line of the sample (blocks may leave lines out, not change them).
        string sample = string.Join('\n', Directory.EnumerateFiles(SampleFolder(), "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".cs", StringComparison.Ordinal) || f.EndsWith(".html", StringComparison.Ordinal))
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(File.ReadAllText));
        HashSet<string> sampleLines = [.. sample.Split('\n').Select(l => l.Trim())];
        string[] guide = File.ReadAllLines(Path.Combine(SampleFolder(), "..", "..", "docs", "embedding.md"));

        int checkedBlocks = 0;
        for (int i = 0; i < guide.Length; i++)
        {
            bool quoted = guide[i] is "```csharp" or "```html"
                && ParagraphBefore(guide, i).Contains("samples/OrderBoard", StringComparison.Ordinal);
            if (!quoted)
            {
                continue;
            }

            checkedBlocks++;
            for (i++; !guide[i].StartsWith("```", StringComparison.Ordinal); i++)
            {
                string line = guide[i].Trim();
                Assert.True(line.Length == 0 || sampleLines.Contains(line), $"docs/embedding.md line {i + 1} is not in samples/OrderBoard: {line}");
            }
        }

        Assert.True(checkedBlocks >= 5, $"expected the guide's blocks quoted from the sample to be found; found {checkedBlocks}");
    }

    /// <summary>The paragraph that ends just above line <paramref name="index"/> (skipping one blank line).</summary>
    private static string ParagraphBefore(string[] lines, int index)
    {
        int end = index - 1;
        if (end >= 0 && lines[end].Length == 0)
        {
            end--;
        }

        int start = end;
        while (start > 0 && lines[start - 1].Length > 0)
        {
            start--;
        }

        return end < 0 ? string.Empty : string.Join(' ', lines[start..(end + 1)]);
    }

    private static string SampleFolder()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Herald.slnx")))
            {
                return Path.Combine(dir.FullName, "samples", "OrderBoard");
            }
        }

        throw new InvalidOperationException("Herald.slnx not found above " + AppContext.BaseDirectory);
    }
}
