using System.Globalization;
using System.Text.Json;
using System.Xml.Linq;
using Herald.Browser.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.Playwright;
using Xunit.Abstractions;

namespace Herald.Browser.Tests;

/// <summary>
/// The npm package herald-sse (clients/npm) as a front-end team installs it: packed with <c>npm pack</c>, installed from
/// the tarball into a consumer project, then used from Node (ES module, with the eventsource package) against real
/// Herald.Server processes, from TypeScript under strict, and from Chromium as an ES module.
/// </summary>
public sealed class NpmPackageTests(PackedNpmPackage package, ITestOutputHelper output) : IClassFixture<PackedNpmPackage>
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Pack_ClassicScriptIsWhatTheServerServesAndTheEsmBuildWrapsIt()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        byte[] served = await server.Client.GetByteArrayAsync(new Uri("/herald.js", UriKind.Relative));
        byte[] source = await File.ReadAllBytesAsync(Path.Combine(PackedNpmPackage.RepositoryRoot, "src", "Herald", "Browser", "herald.js"));
        string dist = Path.Combine(package.InstalledPackage, "dist");

        Assert.Equal(source, served);
        Assert.Equal(served, await File.ReadAllBytesAsync(Path.Combine(dist, "herald.global.js")));
        string esm = await File.ReadAllTextAsync(Path.Combine(dist, "herald.js"));
        Assert.Contains(System.Text.Encoding.UTF8.GetString(source).TrimEnd(), esm, StringComparison.Ordinal);
        Assert.Contains("export const subscribe = Herald.subscribe;", esm, StringComparison.Ordinal);
        Assert.Contains("export default Herald;", esm, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dist, "herald.d.ts")), "the tarball has no dist/herald.d.ts");
        Assert.True(File.Exists(Path.Combine(package.InstalledPackage, "README.md")), "the tarball has no README.md");
        Assert.True(File.Exists(Path.Combine(package.InstalledPackage, "CHANGELOG.md")), "the tarball has no CHANGELOG.md");
    }

    [Fact]
    public async Task PackageJson_VersionIsTheNuGetVersionAndThereAreNoRuntimeDependencies()
    {
        string versionPrefix = XDocument.Load(Path.Combine(PackedNpmPackage.RepositoryRoot, "src", "Directory.Build.props"))
            .Descendants("VersionPrefix").Single().Value;
        using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(package.InstalledPackage, "package.json")));
        JsonElement root = json.RootElement;

        Assert.Equal(versionPrefix, root.GetProperty("version").GetString());
        Assert.EndsWith($"herald-sse-{versionPrefix}.tgz", package.Tarball, StringComparison.Ordinal);
        Assert.False(root.TryGetProperty("dependencies", out _), "herald-sse must have no runtime dependencies");
        Assert.Equal("MIT", root.GetProperty("license").GetString());
        Assert.False(root.GetProperty("sideEffects").GetBoolean());
        JsonElement main = root.GetProperty("exports").GetProperty(".");
        foreach (string condition in new[] { "types", "default" })
        {
            string file = main.GetProperty(condition).GetString()!;
            Assert.True(File.Exists(Path.Combine(package.InstalledPackage, file)), $"exports[\".\"].{condition} names {file}, which is not in the tarball");
        }
    }

    [Fact]
    public async Task NodeEsmWithEventsourcePackage_ServerKilledAndRestartedMidStream_ScriptGetsEveryIdOnceInOrder()
    {
        const int Count = 40;
        using TempDirectory directory = new();
        string[] storeArgs = ["--store", "sqlite:" + directory.File("herald.db")];
        ServerProcess server = await ServerProcess.StartAsync(storeArgs);
        Uri address = server.BaseAddress;
        string[] samePort = ["--urls", address.GetLeftPart(UriPartial.Authority), .. storeArgs];
        await using NodeProcess script = NodeProcess.Start(
            "live.mjs", [new Uri(address, "/streams/npm").ToString(), Count.ToString(CultureInfo.InvariantCulture)], package.ConsumerDirectory, package.NpmCache);
        try
        {
            await Polling.WaitUntilAsync(() => script.Lines.Any(l => l.StartsWith("status {\"state\":\"open\"", StringComparison.Ordinal)), "the script's subscription to open", Delivery);

            RetryingPublisher publisher = new(address, "npm", pace: TimeSpan.FromMilliseconds(30));
            publisher.HoldAfter(15);
            Task publishing = publisher.RunAsync(Count, deadline: TimeSpan.FromMinutes(3));

            // The publisher holds after 15 until the server is killed, then keeps trying: events 16-40 can only reach the
            // script through a resume against the restarted server.
            await Polling.WaitUntilAsync(() => publisher.Published >= 15, "15 events published", Delivery);
            await Polling.WaitUntilAsync(() => Events(script).Count >= 10, "the script to print at least 10 events", Delivery);
            publisher.HoldAfter(Count);
            server.Kill();
            await server.WaitForExitAsync();
            await server.DisposeAsync();
            output.WriteLine($"killed the server after {publisher.Published} acknowledged events");
            int failed = publisher.FailedAttempts;
            await Polling.WaitUntilAsync(() => publisher.FailedAttempts >= failed + 3, "the publisher to keep trying while the server is down", Delivery);
            server = await ServerProcess.StartAsync(samePort);
            Assert.Equal(address, server.BaseAddress);

            await publishing;
            // The script closes its subscription after Count events and then exits by itself.
            Assert.Equal(0, await script.WaitForExitAsync(Delivery));
            Assert.Equal(Enumerable.Range(1, Count).Select(i => $"event {i} e{i}"), Events(script));
            Assert.DoesNotContain(script.Lines, l => l.StartsWith("gap ", StringComparison.Ordinal) || l.StartsWith("reset ", StringComparison.Ordinal));
            Assert.Contains(script.Lines, l => l.StartsWith("status {\"state\":\"resumed\"", StringComparison.Ordinal));
        }
        catch
        {
            output.WriteLine("script output:\n" + script.Output);
            output.WriteLine("server output:\n" + server.Output);
            throw;
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [Fact]
    public async Task NodeEsmSubscribeStreamsOnNodesFetch_TwoStreams_ScriptGetsEveryEventOfEachOnceInOrder()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        await server.Client.PublishBatchAsync("left", ["l1", "l2"]);
        await using NodeProcess script = NodeProcess.Start(
            "streams.mjs", [new Uri(server.BaseAddress, "/subscribe").ToString(), "6", "left", "right"], package.ConsumerDirectory, package.NpmCache);
        try
        {
            await Polling.WaitUntilAsync(() => script.Lines.Any(l => l.StartsWith("status {\"state\":\"open\"", StringComparison.Ordinal)), "the script's subscription to open", Delivery);
            await server.Client.PublishBatchAsync("right", ["r1", "r2"]);
            await server.Client.PublishAsync("left", "l3");
            await server.Client.PublishAsync("right", "r3");

            Assert.Equal(0, await script.WaitForExitAsync(Delivery));
            // Per stream in order; the streams' relative order is free. Each line ends with the composite cursor after it.
            string[] events = [.. Events(script).Select(l => l[..l.LastIndexOf(' ')])];
            Assert.Equal(["event left 1 l1", "event left 2 l2", "event left 3 l3"], events.Where(l => l.StartsWith("event left ", StringComparison.Ordinal)));
            Assert.Equal(["event right 1 r1", "event right 2 r2", "event right 3 r3"], events.Where(l => l.StartsWith("event right ", StringComparison.Ordinal)));
            Assert.Equal(6, Events(script).Count);
            Assert.EndsWith(" left:3,right:3", Events(script)[^1], StringComparison.Ordinal);
        }
        catch
        {
            output.WriteLine("script output:\n" + script.Output);
            throw;
        }
    }

    [Fact]
    public async Task NodeWithoutEventSourceOrWithRelativeUrl_SubscribeThrowsTypeErrorSayingWhatToPass()
    {
        (int exitCode, string stdout, string stderr) = await NodeTools.RunAsync("node", ["errors.mjs"], package.ConsumerDirectory, package.NpmCache);

        Assert.True(exitCode == 0, $"node errors.mjs exited with {exitCode}:\n{stdout}\n{stderr}");
        string[] lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Contains(lines, l => l.StartsWith("no EventSource: TypeError: herald.js: there is no EventSource here", StringComparison.Ordinal) && l.Contains("options.EventSource", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("relative URL: TypeError: herald.js: /streams/none is relative", StringComparison.Ordinal) && l.Contains("absolute URL", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TypeScriptConsumer_UsingEveryOptionCallbackStatusAndHandleMember_TypeChecksUnderStrict()
    {
        // consumer.ts also holds @ts-expect-error lines: declarations that let them through fail this check too.
        (int exitCode, string stdout, string stderr) = await NodeTools.RunAsync(
            "node", [Path.Combine("node_modules", "typescript", "bin", "tsc"), "--project", "tsconfig.json"], package.ConsumerDirectory, package.NpmCache);

        Assert.True(exitCode == 0, $"tsc (strict, noEmit) rejected consumer.ts with exit code {exitCode}:\n{stdout}\n{stderr}");
    }

    [Fact]
    public async Task BrowserImportsEsmThroughPackageExports_ReceivesEventsInOrderWithoutSettingAGlobal()
    {
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "memory:");
        using JsonDocument manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(package.InstalledPackage, "package.json")));
        string entry = manifest.RootElement.GetProperty("exports").GetProperty(".").GetProperty("default").GetString()!;
        string html = (await File.ReadAllTextAsync(Path.Combine(package.ConsumerDirectory, "esm-page.html")))
            .Replace("{{entry}}", "/node_modules/herald-sse/" + entry.TrimStart('.', '/'), StringComparison.Ordinal);

        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        await browser.Page.RouteAsync("**/node_modules/herald-sse/**", ServeInstalledFileAsync);
        await browser.OpenPageAsync(server.BaseAddress, "/herald-sse-esm.html", html);
        await browser.WaitForAsync("window.ready === true", "the ES module to load and subscribe", TimeSpan.FromSeconds(30));

        await server.Client.PublishBatchAsync("esm", Enumerable.Range(1, 5).Select(i => $"e{i}"));
        await browser.WaitForAsync("received.length >= 5", "events 1-5 on the page", Delivery);

        Assert.Equal(Enumerable.Range(1, 5).Select(i => $"{i}:e{i}"), await browser.Page.EvaluateAsync<string[]>("received.slice()"));
        Assert.True(await browser.Page.EvaluateAsync<bool>("window.sameFunction"), "the default export's subscribe is not the named export");
        Assert.Equal("undefined", await browser.Page.EvaluateAsync<string>("typeof window.Herald"));
    }

    private static List<string> Events(NodeProcess script) => [.. script.Lines.Where(l => l.StartsWith("event ", StringComparison.Ordinal))];

    // The installed tarball's files, at /node_modules/herald-sse/… on the server's origin; nothing outside the package.
    private async Task ServeInstalledFileAsync(IRoute route)
    {
        string relative = Uri.UnescapeDataString(new Uri(route.Request.Url).AbsolutePath)["/node_modules/herald-sse/".Length..];
        string root = Path.GetFullPath(package.InstalledPackage) + Path.DirectorySeparatorChar;
        string file = Path.GetFullPath(Path.Combine(root, relative));
        if (!file.StartsWith(root, StringComparison.Ordinal) || !File.Exists(file))
        {
            await route.FulfillAsync(new RouteFulfillOptions { Status = 404, Body = "not in the package" });
            return;
        }

        await route.FulfillAsync(new RouteFulfillOptions
        {
            Status = 200,
            ContentType = file.EndsWith(".js", StringComparison.Ordinal) ? "text/javascript; charset=utf-8" : "application/octet-stream",
            BodyBytes = await File.ReadAllBytesAsync(file),
        });
    }
}
