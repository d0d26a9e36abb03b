using Herald.Browser.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Browser.Tests;

/// <summary>The live console at <c>/</c> in a real browser: streams table, live tail (through herald.js), indicator.</summary>
public sealed class ConsoleTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Console_StreamChosen_ShowsStreamsAndLiveTail()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await server.Client.PublishAsync("orders", """{"order":1}""", eventType: "order.paid");
        await server.Client.PublishAsync("orders", "untyped two");
        await server.Client.PublishAsync("audit", "a1");
        await using BrowserPage browser = await BrowserPage.LaunchAsync();

        await browser.Page.GotoAsync(new Uri(server.BaseAddress, "/#stream=orders").ToString());

        // The streams table, from GET /streams.
        await browser.WaitForAsync(
            "[...document.querySelectorAll('#streams tbody tr')].map(r => r.cells[0].textContent).join(',') === 'audit,orders'",
            "the streams table to list audit and orders", TimeSpan.FromSeconds(30));
        // The tail replays the recent history, then goes live: an event published now appears with its id, type and data.
        await browser.WaitForAsync("document.querySelectorAll('#tail tbody tr').length >= 2", "the recent events in the tail", TimeSpan.FromSeconds(30));
        await browser.WaitForAsync("/^live at \\d+/.test(document.getElementById('connection').textContent)", "the indicator to say live", TimeSpan.FromSeconds(30));
        await server.Client.PublishAsync("orders", """{"order":3,"status":"shipped"}""", eventType: "order.paid");
        await browser.WaitForAsync(
            "(() => { const r = document.querySelector('#tail tbody tr'); return r && r.cells[0].textContent === '3'; })()",
            "event 3 at the top of the tail", TimeSpan.FromSeconds(30));

        string[][] rows = await browser.Page.EvaluateAsync<string[][]>(
            "[...document.querySelectorAll('#tail tbody tr')].map(r => [...r.cells].map(c => c.textContent))");
        Assert.Equal(
            [["3", "order.paid", """{"order":3,"status":"shipped"}"""], ["2", "", "untyped two"], ["1", "order.paid", """{"order":1}"""]],
            rows);
        // The table is refreshed every 2 s, so it may still show the count from before the tail subscribed.
        await browser.WaitForAsync(
            "[...document.querySelectorAll('#streams tbody tr')].find(r => r.cells[0].textContent === 'orders').cells[3].textContent === '1'",
            "the streams table to count the tail's subscription on orders", TimeSpan.FromSeconds(30));

        string screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "herald-console.png");
        Directory.CreateDirectory(Path.GetDirectoryName(screenshot)!);
        await browser.Page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine("console screenshot: " + screenshot);
        Console.WriteLine("console screenshot: " + screenshot);
        Assert.True(new FileInfo(screenshot).Length > 0);
        Assert.DoesNotContain("[pageerror]", browser.ConsoleOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_TwoStreamsInTheHash_TailsBothWithAStreamColumn()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await server.Client.PublishAsync("orders", "o1", eventType: "order.paid");
        await server.Client.PublishAsync("prices", "p1");
        await server.Client.PublishAsync("audit", "not tailed");
        await using BrowserPage browser = await BrowserPage.LaunchAsync();

        await browser.Page.GotoAsync(new Uri(server.BaseAddress, "/#stream=orders,prices").ToString());

        await browser.WaitForAsync("/^live at orders:1,prices:1$/.test(document.getElementById('connection').textContent)", "the indicator to say live at both positions", TimeSpan.FromSeconds(30));
        await browser.WaitForAsync("document.querySelectorAll('#tail tbody tr').length >= 2", "the recent events of both streams in the tail", TimeSpan.FromSeconds(30));
        await server.Client.PublishAsync("prices", "p2", eventType: "price");
        await server.Client.PublishAsync("audit", "still not tailed");
        await server.Client.PublishAsync("orders", "o2");
        await browser.WaitForAsync("document.querySelectorAll('#tail tbody tr').length >= 4", "o2 and p2 in the tail", TimeSpan.FromSeconds(30));

        // Newest first, the first column naming the stream. Streams interleave in any order on one connection, so only
        // each stream's own order is fixed.
        string[][] rows = await browser.Page.EvaluateAsync<string[][]>(
            "[...document.querySelectorAll('#tail tbody tr')].map(r => [...r.cells].map(c => c.textContent))");
        Assert.Equal(4, rows.Length);
        Assert.Equal([["orders", "2", "", "o2"], ["orders", "1", "order.paid", "o1"]], rows.Where(r => r[0] == "orders"));
        Assert.Equal([["prices", "2", "price", "p2"], ["prices", "1", "", "p1"]], rows.Where(r => r[0] == "prices"));
        Assert.True(await browser.Page.IsVisibleAsync("#tail thead th.stream"), "the stream column's header is hidden");
        Assert.Equal("orders, prices", await browser.Page.InnerTextAsync("#tail-name"));
        // The tail counts as a subscriber of each stream it follows (the table is refreshed every 2 s).
        await browser.WaitForAsync(
            "['orders', 'prices'].every(n => [...document.querySelectorAll('#streams tbody tr')].find(r => r.cells[0].textContent === n)?.cells[3].textContent === '1')",
            "the streams table to count one subscriber on orders and on prices", TimeSpan.FromSeconds(30));
        Assert.DoesNotContain("[pageerror]", browser.ConsoleOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Console_ConnectionLostAndBack_IndicatorShowsTheResume()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await server.Client.PublishBatchAsync("orders", ["o1", "o2", "o3"]);
        await using BadGatewayProxy proxy = new(server.BaseAddress);
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        await browser.Page.GotoAsync(new Uri(proxy.BaseAddress, "/#stream=orders").ToString());
        await browser.WaitForAsync("/^live at 3$/.test(document.getElementById('connection').textContent)", "the indicator to say live at 3", TimeSpan.FromSeconds(30));

        // "live at 3" comes from hello, before the replay of 1..3 has reached the page; the client's own position, which
        // "connection lost at" names, is 3 only once o3 is in the tail.
        await browser.WaitForAsync(
            "document.querySelector('#tail tbody tr') !== null && document.querySelector('#tail tbody tr').cells[2].textContent === 'o3'", "o3 in the tail", TimeSpan.FromSeconds(30));

        // Every text the indicator shows from here on: "connection lost" alternates with "connecting (attempt n)" while
        // the proxy fails, so polling the current text can miss it on a loaded machine; the history cannot.
        await browser.Page.EvaluateAsync("""
            () => {
              const badge = document.getElementById('connection');
              window.heraldShown = [];
              new MutationObserver(() => window.heraldShown.push(badge.textContent)).observe(badge, { childList: true, characterData: true, subtree: true });
            }
            """);
        proxy.AnswerBadGateway = true;
        try
        {
            await browser.WaitForAsync("window.heraldShown.some(t => /^connection lost at 3/.test(t))", "the indicator to say the connection was lost", TimeSpan.FromSeconds(30));
        }
        catch (Xunit.Sdk.XunitException ex)
        {
            // What the indicator did show instead: the next one to look at this failure starts from there.
            string[] shown = await browser.Page.EvaluateAsync<string[]>("() => window.heraldShown");
            throw new Xunit.Sdk.XunitException($"{ex.Message}\nIndicator texts since the proxy failed: {string.Join(" | ", shown)}");
        }

        await server.Client.PublishAsync("orders", "o4");
        proxy.AnswerBadGateway = false;

        await browser.WaitForAsync(
            "/^resumed at 3 after [0-9.]+ s, 0 missed$/.test(document.getElementById('connection').textContent)", "the indicator to show the resume", TimeSpan.FromSeconds(60));
        await browser.WaitForAsync(
            "document.querySelector('#tail tbody tr').cells[2].textContent === 'o4'", "o4, published while the proxy failed, in the tail", TimeSpan.FromSeconds(30));
        string indicator = await browser.Page.InnerTextAsync("#connection");
        output.WriteLine("indicator: " + indicator);
        string screenshot = Path.Combine(AppContext.BaseDirectory, "TestResults", "herald-console-resumed.png");
        await browser.Page.ScreenshotAsync(new() { Path = screenshot, FullPage = true });
        output.WriteLine("console screenshot: " + screenshot);
        Console.WriteLine("console screenshot: " + screenshot);
    }
}
