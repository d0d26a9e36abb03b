using System.Text.Json;
using Herald.Browser.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Browser.Tests;

/// <summary>
/// herald.js in a real browser (headless Debian Chromium) against real Herald.Server processes: what a web page sees
/// when the server is killed and restarted, and when a proxy answers 502 for a while.
/// </summary>
public sealed class HeraldJsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Subscribe_ServerKilledAndRestartedWhilePublishing_PageGetsEveryIdOnceInOrder()
    {
        const int Count = 60;
        using TempDirectory directory = new();
        string[] storeArgs = ["--store", "sqlite:" + directory.File("herald.db")];
        ServerProcess server = await ServerProcess.StartAsync(storeArgs);
        Uri address = server.BaseAddress;
        string[] samePort = ["--urls", address.GetLeftPart(UriPartial.Authority), .. storeArgs];
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        try
        {
            await browser.OpenTestPageAsync(address);
            await browser.Page.EvaluateAsync("startHerald('/streams/orders')");
            await browser.WaitForAsync("statuses.some(s => s.state === 'open')", "the subscription to open", TimeSpan.FromSeconds(30));

            RetryingPublisher publisher = new(address, "orders", pace: TimeSpan.FromMilliseconds(30));
            publisher.HoldAfter(15);
            Task publishing = publisher.RunAsync(Count, deadline: TimeSpan.FromMinutes(3));

            // Two SIGKILLs, each while the publisher keeps going, each restart on the same file and port. The publisher
            // holds at each kill point until the page has caught up, then goes on as the server is killed: so each kill
            // lands mid-publishing, with events still to come that the page can only get by resuming.
            foreach ((int killAfter, int publishUpTo) in new[] { (15, 35), (35, Count) })
            {
                await Polling.WaitUntilAsync(() => publisher.Published >= killAfter, $"{killAfter} events published", Delivery);
                await browser.WaitForAsync($"received.length >= {killAfter - 5}", $"the page to see at least {killAfter - 5} events", Delivery);
                publisher.HoldAfter(publishUpTo);
                server.Kill();
                await server.WaitForExitAsync();
                await server.DisposeAsync();
                output.WriteLine($"killed the server after {publisher.Published} acknowledged events");
                int failed = publisher.FailedAttempts;
                await Polling.WaitUntilAsync(() => publisher.FailedAttempts >= failed + 3, "the publisher to keep trying while the server is down", Delivery);
                server = await ServerProcess.StartAsync(samePort);
                Assert.Equal(address, server.BaseAddress);
            }

            await publishing;
            await browser.WaitForAsync($"received.length >= {Count}", $"all {Count} events on the page", Delivery);

            string[] received = await browser.Page.EvaluateAsync<string[]>("received.slice()");
            Assert.Equal(Enumerable.Range(1, Count).Select(i => $"{i}:e{i}"), received);
            Assert.Equal(0, await browser.Page.EvaluateAsync<int>("gaps.length + resets.length"));
            await browser.WaitForAsync("statuses.filter(s => s.state === 'resumed').length >= 2", "herald.js to report a resume after each restart", Delivery);
            JsonElement statuses = await browser.Page.EvaluateAsync<JsonElement>("statuses.filter(s => s.state === 'resumed')");
            output.WriteLine("resumes: " + statuses.GetRawText());
            Assert.All(statuses.EnumerateArray(), s => Assert.Equal(0, s.GetProperty("missed").GetInt32()));
        }
        catch
        {
            output.WriteLine("page console:\n" + browser.ConsoleOutput);
            output.WriteLine("server output:\n" + server.Output);
            throw;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task Subscribe_ProxyAnswers502ForAWhile_PlainEventSourceGivesUpAndHeraldJsResumesWithoutGap()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await using BadGatewayProxy proxy = new(server.BaseAddress);
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        await browser.OpenTestPageAsync(proxy.BaseAddress);
        await browser.Page.EvaluateAsync("startPlain('/streams/deploy'); startHerald('/streams/deploy')");
        await browser.WaitForAsync("statuses.some(s => s.state === 'open') && plainSource.readyState === 1", "both subscriptions to open", TimeSpan.FromSeconds(30));

        await server.Client.PublishBatchAsync("deploy", Enumerable.Range(1, 10).Select(i => $"e{i}"));
        await browser.WaitForAsync("received.length >= 10 && plain.ids.length >= 10", "events 1-10 on both", Delivery);

        // The deploy: the proxy answers 502 to every new connection; events keep coming meanwhile.
        proxy.AnswerBadGateway = true;
        await server.Client.PublishBatchAsync("deploy", Enumerable.Range(11, 10).Select(i => $"e{i}"));
        await browser.WaitForAsync("plainSource.readyState === 2", "the plain EventSource to give up (CLOSED) after a 502", TimeSpan.FromSeconds(60));
        await browser.WaitForAsync(
            "statuses.filter(s => s.state === 'retrying').length >= 2", "herald.js to retry more than once through the 502s", TimeSpan.FromSeconds(60));
        Assert.True(proxy.BadGatewayAnswers > 0, "the proxy sent no 502");
        proxy.AnswerBadGateway = false;

        await server.Client.PublishBatchAsync("deploy", Enumerable.Range(21, 10).Select(i => $"e{i}"));
        await browser.WaitForAsync("received.length >= 30", "events 1-30 through herald.js", Delivery);

        Assert.Equal(Enumerable.Range(1, 30).Select(i => $"{i}:e{i}"), await browser.Page.EvaluateAsync<string[]>("received.slice()"));
        Assert.Equal(0, await browser.Page.EvaluateAsync<int>("gaps.length + resets.length"));
        JsonElement retrying = await browser.Page.EvaluateAsync<JsonElement>("statuses.filter(s => s.state === 'retrying')");
        output.WriteLine("retries: " + retrying.GetRawText());
        Assert.Contains(retrying.EnumerateArray(), s => s.GetProperty("httpStatus").ValueKind == JsonValueKind.Number && s.GetProperty("httpStatus").GetInt32() == 502);
        JsonElement resumed = await browser.Page.EvaluateAsync<JsonElement>("statuses.filter(s => s.state === 'resumed')");
        Assert.Contains(resumed.EnumerateArray(), s => s.GetProperty("resumedAt").GetInt64() == 10 && s.GetProperty("missed").GetInt32() == 0);

        // The plain EventSource stays closed: it saw 1-10 and nothing after the 502.
        Assert.Equal(2, await browser.Page.EvaluateAsync<int>("plainSource.readyState"));
        Assert.Equal(Enumerable.Range(1, 10), await browser.Page.EvaluateAsync<int[]>("plain.ids.slice()"));
    }

    [Fact]
    public async Task Subscribe_ReconnectAnswered401_ReportsUnauthorizedAndStopsRetrying()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await using BadGatewayProxy proxy = new(server.BaseAddress);
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        await browser.OpenTestPageAsync(proxy.BaseAddress);
        // A 100 ms first step: a subscription that kept retrying would make many attempts in the wait below.
        await browser.Page.EvaluateAsync("startHerald('/streams/guarded', [], 100)");
        await browser.WaitForAsync("statuses.some(s => s.state === 'open')", "the subscription to open", TimeSpan.FromSeconds(30));
        await server.Client.PublishAsync("guarded", "before");
        await browser.WaitForAsync("received.length >= 1", "the first event", Delivery);

        // The token expired: the stream is cut and every reconnect is refused with 401.
        proxy.AnswerUnauthorized = true;
        await browser.WaitForAsync("statuses.some(s => s.state === 'unauthorized')", "herald.js to report unauthorized", TimeSpan.FromSeconds(60));
        int connections = proxy.Connections;
        proxy.AnswerUnauthorized = false;
        await server.Client.PublishAsync("guarded", "after");

        // Nothing signals "did not retry"; give a looping client (100 ms steps) two seconds to show itself.
        await Task.Delay(TimeSpan.FromSeconds(2));
        JsonElement statuses = await browser.Page.EvaluateAsync<JsonElement>("statuses.map(s => s.state)");
        output.WriteLine("states: " + statuses.GetRawText());
        Assert.Equal("unauthorized", statuses.EnumerateArray().Last().GetString());
        Assert.Equal(connections, proxy.Connections);
        Assert.Equal(["1:before"], await browser.Page.EvaluateAsync<string[]>("received.slice()"));
        Assert.Equal(401, await browser.Page.EvaluateAsync<int>("statuses.find(s => s.state === 'unauthorized').httpStatus"));
    }

    [Fact]
    public async Task Subscribe_InvalidStreamName_ReportsRejectedWithTheStatusAndStopsRetrying()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await using BadGatewayProxy proxy = new(server.BaseAddress);
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        await browser.OpenTestPageAsync(proxy.BaseAddress);

        // ".bad" is not a stream name: 400. A 100 ms first step would make many attempts in the wait below if it retried.
        await browser.Page.EvaluateAsync("startHerald('/streams/.bad', [], 100)");
        await browser.WaitForAsync("statuses.some(s => s.state === 'rejected')", "herald.js to report rejected", TimeSpan.FromSeconds(30));
        int connections = proxy.Connections;

        // Nothing signals "did not retry"; give a looping client (100 ms steps) two seconds to show itself.
        await Task.Delay(TimeSpan.FromSeconds(2));
        JsonElement statuses = await browser.Page.EvaluateAsync<JsonElement>("statuses.map(s => s.state)");
        output.WriteLine("states: " + statuses.GetRawText());
        Assert.Equal("rejected", statuses.EnumerateArray().Last().GetString());
        Assert.Equal(connections, proxy.Connections);
        Assert.Equal(400, await browser.Page.EvaluateAsync<int>("statuses.find(s => s.state === 'rejected').httpStatus"));
    }
}
