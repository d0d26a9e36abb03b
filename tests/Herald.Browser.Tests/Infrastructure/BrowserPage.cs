using System.Text;
using Microsoft.Playwright;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// Headless Debian Chromium (<c>/usr/bin/chromium</c>, never a downloaded browser) driven by Playwright, with one page.
/// The page's console output is kept for failure messages.
/// </summary>
internal sealed class BrowserPage : IAsyncDisposable
{
    public const string ChromiumPath = "/usr/bin/chromium";

    /// <summary>A page served at <c>&lt;origin&gt;/herald-test.html</c> by the test itself (a Playwright route), so that
    /// its EventSource and fetch calls are same-origin with the server, and which loads <c>/herald.js</c> from it.</summary>
    public const string TestPagePath = "/herald-test.html";

    private const string TestPage = """
        <!doctype html>
        <meta charset="utf-8">
        <title>herald.js test page</title>
        <script src="/herald.js"></script>
        <script>
          window.received = []; window.statuses = []; window.gaps = []; window.resets = [];
          window.startHerald = function (url, types, minDelay, filter) {
            window.subscription = Herald.subscribe(url, {
              lastEventId: 0,
              types: types || [],
              minDelay: minDelay,
              filter: !!filter,
              onEvent: function (e) { received.push(e.id + ':' + e.data); },
              onGap: function (g) { gaps.push(g); },
              onReset: function (r) { resets.push(r); },
              onStatus: function (s) { statuses.push(s); console.log('herald.js status ' + JSON.stringify(s)); }
            });
          };
          window.streamEvents = []; window.streamStatuses = []; window.streamGaps = []; window.streamResets = [];
          window.startHeraldStreams = function (streams, options) {
            options = options || {};
            window.streamsSubscription = Herald.subscribe({
              streams: streams,
              types: options.types,
              lastEventId: options.lastEventId,
              onEvent: function (e) { streamEvents.push(e.stream + ' ' + e.id + ' ' + e.data); },
              onGap: function (g) { streamGaps.push(g); },
              onReset: function (r) { streamResets.push(r); },
              onStatus: function (s) { streamStatuses.push(s); console.log('herald.js streams status ' + JSON.stringify(s)); }
            });
          };
          window.plainMany = { frames: [], errors: 0 };
          window.startPlainMany = function (url) {
            var es = new EventSource(url);
            es.onmessage = function (e) { plainMany.frames.push(e.lastEventId + ' ' + e.data); };
            es.onerror = function () { plainMany.errors++; };
            window.plainManySource = es;
          };
          window.plain = { ids: [], errors: 0, readyState: null };
          window.startPlain = function (url) {
            var es = new EventSource(url + '?lastEventId=0');
            es.onmessage = function (e) { plain.ids.push(Number(e.lastEventId)); };
            es.onerror = function () { plain.errors++; plain.readyState = es.readyState; };
            window.plainSource = es;
          };
        </script>
        <p>herald.js test page</p>
        """;

    private readonly StringBuilder _console = new();
    private readonly Lock _lock = new();

    private BrowserPage(IPlaywright playwright, IBrowser browser, IPage page)
    {
        Playwright = playwright;
        Browser = browser;
        Page = page;
        page.Console += (_, message) =>
        {
            lock (_lock)
            {
                _console.AppendLine($"[{message.Type}] {message.Text}");
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_lock)
            {
                _console.AppendLine($"[pageerror] {error}");
            }
        };
    }

    public IPlaywright Playwright { get; }

    public IBrowser Browser { get; }

    public IPage Page { get; }

    public string ConsoleOutput
    {
        get
        {
            lock (_lock)
            {
                return _console.ToString();
            }
        }
    }

    public static async Task<BrowserPage> LaunchAsync()
    {
        Assert.True(File.Exists(ChromiumPath), $"{ChromiumPath} is missing: install Debian's chromium package (.ci/run does).");
        IPlaywright playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        try
        {
            IBrowser browser = await playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
            {
                ExecutablePath = ChromiumPath,
                Headless = true,
                Timeout = (float)TimeSpan.FromSeconds(60).TotalMilliseconds,
            });
            IPage page = await browser.NewPageAsync(new BrowserNewPageOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 860 } });
            page.SetDefaultTimeout((float)TimeSpan.FromSeconds(30).TotalMilliseconds);
            return new BrowserPage(playwright, browser, page);
        }
        catch
        {
            playwright.Dispose();
            throw;
        }
    }

    /// <summary>Opens the test page on <paramref name="origin"/> (see <see cref="TestPagePath"/>).</summary>
    public async Task OpenTestPageAsync(Uri origin)
    {
        await OpenPageAsync(origin, TestPagePath, TestPage);
        Assert.True(await Page.EvaluateAsync<bool>("typeof Herald === 'object' && typeof Herald.subscribe === 'function'"), "herald.js did not load. Console:\n" + ConsoleOutput);
    }

    /// <summary>
    /// Opens <paramref name="html"/> as the page <paramref name="path"/> on <paramref name="origin"/>, served by the test
    /// itself (a Playwright route), so that what it loads and subscribes to is same-origin with the server.
    /// </summary>
    public async Task OpenPageAsync(Uri origin, string path, string html)
    {
        await Page.RouteAsync("**" + path, route => route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = "text/html; charset=utf-8",
            Body = html,
        }));
        await Page.GotoAsync(new Uri(origin, path).ToString());
    }

    /// <summary>Waits until <paramref name="condition"/> (a JS expression) is true; the timeout only guards against a hang.</summary>
    public async Task WaitForAsync(string condition, string what, TimeSpan timeout)
    {
        try
        {
            // As a function, not an expression string: Playwright polls an expression with eval, which the console's CSP forbids.
            await Page.WaitForFunctionAsync("() => (" + condition + ")", null, new PageWaitForFunctionOptions { Timeout = (float)timeout.TotalMilliseconds, PollingInterval = 100 });
        }
        catch (Exception ex) when (ex is PlaywrightException or TimeoutException)
        {
            Assert.Fail($"Gave up after {timeout} waiting for {what} ({condition}): {ex.Message}\nPage console:\n{ConsoleOutput}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.DisposeAsync();
        Playwright.Dispose();
    }
}
