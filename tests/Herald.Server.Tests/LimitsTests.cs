using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// Limits: connection caps per IP (429) and in total (503), the publish rate (429), header, request-line and body
/// sizes. Each answers as specified, with Retry-After where a retry helps, and the server keeps serving everyone else.
/// </summary>
public sealed class LimitsTests
{
    private static readonly IPAddress s_otherClient = IPAddress.Parse("127.0.0.2");

    [Fact]
    public async Task Subscribe_OverPerIpCap_Answers429WhileOthersAreServedAndAClosedSlotIsReused()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConnectionsPerIp = 3 } });
        List<SseClient> open = [];
        try
        {
            for (int i = 0; i < 3; i++)
            {
                open.Add(await SseClient.ConnectAsync(host.Client, "/streams/cap"));
                await open[^1].WaitForTypeAsync("hello");
            }

            using (HttpResponseMessage fourth = await SubscribeAsync(host.Client, "/streams/cap"))
            {
                await AssertRefusedAsync(fourth, HttpStatusCode.TooManyRequests);
            }

            // Everyone else: another address subscribes, publishing works, and the open subscriptions get the event.
            using HttpClient other = LoopbackSource.CreateClient(host.BaseAddress, s_otherClient);
            await using SseClient fromOther = await SseClient.ConnectAsync(other, "/streams/cap");
            await fromOther.WaitForTypeAsync("hello");
            long id = await host.Client.PublishAsync("cap", "still served");
            foreach (SseClient client in open.Append(fromOther))
            {
                await client.WaitForIdAsync(id);
            }

            // Closing one frees its slot (the server notices the disconnect a moment later).
            await open[0].DisposeAsync();
            open.RemoveAt(0);
            using HttpResponseMessage reused = await SubscribeWhenSlotFreesAsync(host.Client, "/streams/cap");
            Assert.Equal("text/event-stream", reused.Content.Headers.ContentType?.MediaType);

            Dictionary<string, double> metrics = await host.Client.GetMetricsAsync();
            Assert.True(metrics.Sample("herald_connections_rejected_total{reason=\"per_ip\"}") >= 1);
            Assert.Equal(0, metrics.Sample("herald_connections_rejected_total{reason=\"total\"}"));
        }
        finally
        {
            foreach (SseClient client in open)
            {
                await client.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task Subscribe_OverTotalCap_Answers503WithRetryAfterAndPublishingGoesOn()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConnections = 3, MaxConnectionsPerIp = 0 } });
        using HttpClient other = LoopbackSource.CreateClient(host.BaseAddress, s_otherClient);
        await using SseClient a = await SseClient.ConnectAsync(host.Client, "/streams/full");
        await using SseClient b = await SseClient.ConnectAsync(host.Client, "/streams/full2");
        await using SseClient c = await SseClient.ConnectAsync(other, "/streams/full");
        await Task.WhenAll(a.WaitForTypeAsync("hello"), b.WaitForTypeAsync("hello"), c.WaitForTypeAsync("hello"));

        using (HttpResponseMessage fourth = await SubscribeAsync(other, "/streams/full3"))
        {
            await AssertRefusedAsync(fourth, HttpStatusCode.ServiceUnavailable);
        }

        // Reads that hold no connection open, and publishing, are not capped.
        Assert.Equal(0, (await host.Client.GetInfoAsync("full3")).Last);
        long id = await host.Client.PublishAsync("full", "x");
        await a.WaitForIdAsync(id);
        await c.WaitForIdAsync(id);
        Assert.True((await host.Client.GetMetricsAsync()).Sample("herald_connections_rejected_total{reason=\"total\"}") >= 1);
    }

    [Fact]
    public async Task Publish_OverRateLimit_Answers429WithRetryAfterAndOtherPublishersGoOn()
    {
        const string KeyA = "publisher-a-0123456789";
        const string KeyB = "publisher-b-0123456789";
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { KeyA, KeyB }, PublishRateLimit = 1, PublishBurst = 2 } });

        // Ten back-to-back publishes with key A: at most the burst plus one per second passes, so some are refused.
        List<HttpResponseMessage> answers = [];
        for (int i = 0; i < 10; i++)
        {
            answers.Add(await PublishWithKeyAsync(host.Client, "rate", KeyA));
        }

        HttpResponseMessage limited = answers.First(r => r.StatusCode == HttpStatusCode.TooManyRequests);
        Assert.Equal("application/problem+json", limited.Content.Headers.ContentType?.MediaType);
        Assert.True(limited.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {limited.Headers.RetryAfter}");
        Assert.All(answers, r => Assert.True(r.StatusCode is HttpStatusCode.Created or HttpStatusCode.TooManyRequests, $"got {(int)r.StatusCode}"));
        int accepted = answers.Count(r => r.StatusCode == HttpStatusCode.Created);

        // Key B has its own bucket; and only accepted publishes were appended.
        using HttpResponseMessage fromB = await PublishWithKeyAsync(host.Client, "rate", KeyB);
        Assert.Equal(HttpStatusCode.Created, fromB.StatusCode);
        Assert.Equal(accepted + 1, (await host.Client.GetInfoAsync("rate")).Last);
        Assert.Equal(10 - accepted, (await host.Client.GetMetricsAsync()).Sample("herald_publishes_rate_limited_total"));
        answers.ForEach(r => r.Dispose());
    }

    [Fact]
    public async Task Publish_OverRateLimitWithoutKeys_IsLimitedPerAddress()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublishRateLimit = 1, PublishBurst = 1 } });
        using HttpClient other = LoopbackSource.CreateClient(host.BaseAddress, s_otherClient);

        int refused = 0;
        for (int i = 0; i < 10; i++)
        {
            using HttpResponseMessage response = await host.Client.PostAsync("/streams/rate-ip", Encoding.UTF8.GetBytes("x"));
            refused += response.StatusCode == HttpStatusCode.TooManyRequests ? 1 : 0;
        }

        Assert.True(refused > 0, "ten back-to-back publishes at 1/s with a burst of 1 must meet a 429");
        Assert.True(await other.PublishAsync("rate-ip", "from another address") > 0);
    }

    [Fact]
    public async Task Request_OverHeaderAndLineLimits_Answers431And414ProblemsAndNextRequestsAreServed()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { MaxRequestHeadersBytes = 2048, MaxRequestLineBytes = 2048 });

        using (HttpRequestMessage request = new(HttpMethod.Post, "/streams/h"))
        {
            request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 3000));
            request.Content = new StringContent("not appended");
            using HttpResponseMessage response = await host.Client.SendAsync(request);
            await AssertProblemAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge, "request-headers-too-large");
        }

        using (HttpResponseMessage response = await host.Client.PostAsync("/streams/h?pad=" + new string('q', 3000), new StringContent("not appended")))
        {
            await AssertProblemAsync(response, HttpStatusCode.RequestUriTooLong, "request-line-too-long");
        }

        // Just under both limits: served.
        using (HttpRequestMessage request = new(HttpMethod.Get, "/streams/h/info?pad=" + new string('q', 1800)))
        {
            request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 1500));
            using HttpResponseMessage response = await host.Client.SendAsync(request);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal(1, await host.Client.PublishAsync("h", "served")); // nothing was appended by the refused requests
    }

    [Fact]
    public async Task Request_FarOverHeaderLimit_IsStillRefusedByTheServersBackstop()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { MaxRequestHeadersBytes = 2048, MaxRequestLineBytes = 2048 });
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/h/info");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 8192));

        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string slug)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using System.Text.Json.JsonDocument problem = System.Text.Json.JsonDocument.Parse(body);
        Assert.Equal("urn:herald:problem:" + slug, problem.RootElement.GetProperty("type").GetString());
        Assert.Equal((int)status, problem.RootElement.GetProperty("status").GetInt32());
    }

    [Fact]
    public async Task Publish_OverConfiguredBodyLimits_Answers413ProblemAndSmallerBodiesPass()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxEventBytes = 2048, MaxBatchBytes = 4096 } });

        using (HttpResponseMessage single = await host.Client.PostAsync("/streams/b", new byte[3000]))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, single.StatusCode);
            Assert.Equal("application/problem+json", single.Content.Headers.ContentType?.MediaType);
        }

        string line = JsonSerializer.Serialize(new { data = new string('d', 1000) }) + "\n";
        using (HttpResponseMessage batch = await host.Client.PostAsync("/streams/b/batch", Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(line, 5)))))
        {
            Assert.Equal(HttpStatusCode.RequestEntityTooLarge, batch.StatusCode);
            Assert.Equal("application/problem+json", batch.Content.Headers.ContentType?.MediaType);
        }

        Assert.Equal(1, await host.Client.PublishAsync("b", new string('s', 2000)));
        Assert.Equal((2, 4), await host.Client.PublishBatchAsync("b", Enumerable.Repeat(new string('d', 1000), 3)));
    }

    private static async Task<HttpResponseMessage> SubscribeAsync(HttpClient http, string path)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, path);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
    }

    /// <summary>Subscribes until a slot is free (the server notices a disconnect a moment after the client closes).</summary>
    private static async Task<HttpResponseMessage> SubscribeWhenSlotFreesAsync(HttpClient http, string path)
    {
        using CancellationTokenSource deadline = new(TestTimeouts.Frame);
        while (true)
        {
            HttpResponseMessage response = await SubscribeAsync(http, path);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                return response;
            }

            using (response)
            {
                await AssertRefusedAsync(response, HttpStatusCode.TooManyRequests);
            }

            Assert.False(deadline.IsCancellationRequested, $"a closed subscription's slot was not freed within {TestTimeouts.Frame}");
            await Task.Delay(50);
        }
    }

    private static async Task AssertRefusedAsync(HttpResponseMessage response, HttpStatusCode expected)
    {
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == expected, $"expected {(int)expected}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), $"Retry-After: {response.Headers.RetryAfter}");
    }

    private static Task<HttpResponseMessage> PublishWithKeyAsync(HttpClient http, string stream, string key) =>
        http.PostAsync("/streams/" + stream, Encoding.UTF8.GetBytes("x"), r => r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key));
}
