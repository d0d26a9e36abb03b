using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Bench.Tests;

/// <summary>The baseline is what Herald's ratios are measured against, so it must be a correct (if naive) SSE hub.</summary>
public sealed class BaselineServerTests
{
    [Fact]
    public async Task Publish_answers_201_with_consecutive_ids_and_subscribe_replays_after_last_event_id_then_goes_live()
    {
        await using BaselineProcess baseline = await BaselineProcess.StartAsync();
        using HttpClient http = TestHttp.CreateClient(baseline.BaseAddress);

        Assert.Equal(1, await PostAsync(http, "one"));
        Assert.Equal(2, await PostAsync(http, "two"));
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/base");
        request.Headers.Add("Last-Event-ID", "1");
        using CancellationTokenSource guard = new(TestTimeouts.Bulk);
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, guard.Token);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        using StreamReader body = new(await response.Content.ReadAsStreamAsync(guard.Token));

        Assert.Equal(["id: 2", "data: two"], await ReadFrameAsync(body, guard.Token));
        Assert.Equal(3, await PostAsync(http, "three"));
        Assert.Equal(["id: 3", "data: three"], await ReadFrameAsync(body, guard.Token));
    }

    [Fact]
    public async Task Bench_against_the_baseline_is_exact_for_fanout_and_catchup()
    {
        await using BaselineProcess baseline = await BaselineProcess.StartAsync();

        (int fanout, string fanoutJson, string fanoutTable) = await BenchRun.RunAsync("run", "--server", baseline.BaseAddress.ToString(), "--subscribers", "20", "--publishers", "2", "--rate", "400", "--duration", "2");
        (int catchup, string catchupJson, string catchupTable) = await BenchRun.RunAsync("run", "--scenario", "catchup", "--server", baseline.BaseAddress.ToString(), "--events", "2500");

        Assert.True(fanout == CliExitCodes.Success, fanoutTable);
        Assert.True(catchup == CliExitCodes.Success, catchupTable);
        using JsonDocument fanoutResult = JsonDocument.Parse(fanoutJson);
        Assert.Equal(fanoutResult.RootElement.GetProperty("publishes").GetInt64() * 20, fanoutResult.RootElement.GetProperty("deliveries").GetInt64());
        using JsonDocument catchupResult = JsonDocument.Parse(catchupJson);
        Assert.Equal(2500, catchupResult.RootElement.GetProperty("deliveries").GetInt64());
    }

    private static async Task<long> PostAsync(HttpClient http, string data)
    {
        using StringContent content = new(data, Encoding.UTF8, "text/plain");
        using HttpResponseMessage response = await http.PostAsync("/streams/base", content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        using JsonDocument json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("base", json.RootElement.GetProperty("stream").GetString());
        return json.RootElement.GetProperty("id").GetInt64();
    }

    private static async Task<string[]> ReadFrameAsync(StreamReader body, CancellationToken cancellationToken)
    {
        List<string> lines = [];
        while (await body.ReadLineAsync(cancellationToken) is string line && line.Length > 0)
        {
            lines.Add(line);
        }

        return [.. lines];
    }
}
