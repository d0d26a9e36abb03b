using System.Globalization;
using System.Text.Json;
using Herald.Browser.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Browser.Tests;

/// <summary>
/// <c>GET /subscribe?stream=a&amp;stream=b…</c> from a real browser against real Herald.Server processes: herald.js's
/// <c>subscribe({ streams })</c> and a plain <c>EventSource</c> through server restarts, and the <c>type=</c> filter's
/// id-only frames across a restart.
/// </summary>
public sealed class SubscribeStreamsTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Delivery = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task HeraldJsStreams_ThreeStreamsThroughSigtermThenKillRestarts_PageGetsEveryEventOfEveryStreamOnceInOrder()
    {
        const int Count = 40;
        string[] streams = ["orders", "prices", "audit"];
        using TempDirectory directory = new();
        string[] storeArgs = ["--store", "sqlite:" + directory.File("herald.db")];
        ServerProcess server = await ServerProcess.StartAsync(storeArgs);
        Uri address = server.BaseAddress;
        string[] samePort = ["--urls", address.GetLeftPart(UriPartial.Authority), .. storeArgs];
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        try
        {
            await browser.OpenTestPageAsync(address);
            await browser.Page.EvaluateAsync("startHeraldStreams(['orders', 'prices', 'audit'], { lastEventId: 'orders:0,prices:0,audit:0' })");
            await browser.WaitForAsync("streamStatuses.some(s => s.state === 'open')", "the subscription to open", TimeSpan.FromSeconds(30));

            RetryingPublisher[] publishers = [.. streams.Select(s => new RetryingPublisher(address, s, pace: TimeSpan.FromMilliseconds(30)))];
            foreach (RetryingPublisher publisher in publishers)
            {
                publisher.HoldAfter(12);
            }

            Task publishing = Task.WhenAll(publishers.Select(p => p.RunAsync(Count, deadline: TimeSpan.FromMinutes(3))));

            // A SIGTERM (the server ends every subscription with a retry: frame) and then a SIGKILL (no goodbye at all),
            // each restarted on the same file and port. As in HeraldJsTests, the publishers hold at each stop point until
            // the page has caught up and go on while the server is down, so events of all three streams are still to come
            // after each stop and reach the page only through a resume.
            foreach ((bool graceful, int stopAfter, int publishUpTo) in new[] { (true, 12, 26), (false, 26, Count) })
            {
                await Polling.WaitUntilAsync(() => publishers.All(p => p.Published >= stopAfter), $"{stopAfter} events published to each stream", Delivery);
                string caughtUp = string.Join(" && ", streams.Select(s => $"streamEvents.filter(e => e.startsWith('{s} ')).length >= {stopAfter - 5}"));
                await browser.WaitForAsync(caughtUp, $"the page to see at least {stopAfter - 5} events of each stream", Delivery);
                foreach (RetryingPublisher publisher in publishers)
                {
                    publisher.HoldAfter(publishUpTo);
                }

                if (graceful)
                {
                    server.Terminate();
                }
                else
                {
                    server.Kill();
                }

                await server.WaitForExitAsync();
                await server.DisposeAsync();
                output.WriteLine($"{(graceful ? "SIGTERM" : "SIGKILL")} after {string.Join(", ", publishers.Select(p => p.Published))} acknowledged events");
                int[] failed = [.. publishers.Select(p => p.FailedAttempts)];
                await Polling.WaitUntilAsync(
                    () => publishers.Select((p, i) => p.FailedAttempts > failed[i]).All(x => x), "every publisher to keep trying while the server is down", Delivery);
                server = await ServerProcess.StartAsync(samePort);
                Assert.Equal(address, server.BaseAddress);
            }

            await publishing;
            await browser.WaitForAsync($"streamEvents.length >= {streams.Length * Count}", $"all {streams.Length * Count} events on the page", Delivery);

            string[] received = await browser.Page.EvaluateAsync<string[]>("streamEvents.slice()");
            foreach (string stream in streams)
            {
                Assert.Equal(
                    Enumerable.Range(1, Count).Select(i => $"{stream} {i} e{i}"),
                    received.Where(e => e.StartsWith(stream + " ", StringComparison.Ordinal)));
            }

            Assert.Equal(streams.Length * Count, received.Length);
            Assert.Equal(0, await browser.Page.EvaluateAsync<int>("streamGaps.length + streamResets.length + streamsSubscription.dropped"));
            Assert.Equal($"orders:{Count},prices:{Count},audit:{Count}", await browser.Page.EvaluateAsync<string>("streamsSubscription.lastEventId"));
            JsonElement resumed = await browser.Page.EvaluateAsync<JsonElement>("streamStatuses.filter(s => s.state === 'resumed')");
            output.WriteLine("resumes: " + resumed.GetRawText());
            Assert.True(resumed.GetArrayLength() >= 2, "herald.js reported fewer than two resumes for two restarts: " + resumed.GetRawText());
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
    public async Task PlainEventSourceOnSubscribe_ServerKilledAndRestarted_BrowsersOwnReconnectGetsEveryEventOnceInOrder()
    {
        const int Count = 25;
        string[] streams = ["a", "b", "c"];
        using TempDirectory directory = new();
        string[] storeArgs = ["--store", "sqlite:" + directory.File("herald.db")];
        ServerProcess server = await ServerProcess.StartAsync(storeArgs);
        Uri address = server.BaseAddress;
        string[] samePort = ["--urls", address.GetLeftPart(UriPartial.Authority), .. storeArgs];
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        try
        {
            await browser.OpenTestPageAsync(address);
            // The query's lastEventId only starts it from the beginning; every reconnect is the browser's own, which sends
            // the last composite id it saw as the Last-Event-ID header (it wins over the query).
            await browser.Page.EvaluateAsync("startPlainMany('/subscribe?stream=a&stream=b&stream=c&lastEventId=a:0,b:0,c:0')");
            await browser.WaitForAsync("plainManySource.readyState === 1", "the EventSource to open", TimeSpan.FromSeconds(30));

            RetryingPublisher[] publishers = [.. streams.Select(s => new RetryingPublisher(address, s, pace: TimeSpan.FromMilliseconds(30)))];
            foreach (RetryingPublisher publisher in publishers)
            {
                publisher.HoldAfter(10);
            }

            Task publishing = Task.WhenAll(publishers.Select(p => p.RunAsync(Count, deadline: TimeSpan.FromMinutes(3))));
            await Polling.WaitUntilAsync(() => publishers.All(p => p.Published >= 10), "10 events published to each stream", Delivery);
            await browser.WaitForAsync("plainMany.frames.length >= 20", "the page to see at least 20 events", Delivery);
            foreach (RetryingPublisher publisher in publishers)
            {
                publisher.HoldAfter(Count);
            }

            server.Kill();
            await server.WaitForExitAsync();
            await server.DisposeAsync();
            int[] failed = [.. publishers.Select(p => p.FailedAttempts)];
            await Polling.WaitUntilAsync(
                () => publishers.Select((p, i) => p.FailedAttempts > failed[i]).All(x => x), "every publisher to keep trying while the server is down", Delivery);
            server = await ServerProcess.StartAsync(samePort);
            Assert.Equal(address, server.BaseAddress);

            await publishing;
            await browser.WaitForAsync($"plainMany.frames.length >= {streams.Length * Count}", $"all {streams.Length * Count} events on the page", Delivery);

            string[] frames = await browser.Page.EvaluateAsync<string[]>("plainMany.frames.slice()");
            AssertEachEventMovesOnePairByOne(frames, streams);
            Assert.Equal(streams.Length * Count, frames.Length);
            Assert.StartsWith($"a:{Count},b:{Count},c:{Count} ", frames[^1], StringComparison.Ordinal);
            Assert.True(await browser.Page.EvaluateAsync<int>("plainMany.errors") >= 1, "the EventSource never lost its connection, so nothing was resumed");
            Assert.Equal(1, await browser.Page.EvaluateAsync<int>("plainManySource.readyState"));
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
    public async Task TypeFilter_ServerKilledAfterSkippedEvents_BothFormsResumeWithEveryWantedEventOnce()
    {
        using TempDirectory directory = new();
        string[] storeArgs = ["--store", "sqlite:" + directory.File("herald.db")];
        ServerProcess server = await ServerProcess.StartAsync(storeArgs);
        Uri address = server.BaseAddress;
        string[] samePort = ["--urls", address.GetLeftPart(UriPartial.Authority), .. storeArgs];
        await using BrowserPage browser = await BrowserPage.LaunchAsync();
        try
        {
            await browser.OpenTestPageAsync(address);
            // Both want `keep` and untyped events, not `drop`: several streams through subscribe({ streams, types }), one
            // stream through subscribe(url, { types, filter: true }). Both ask the server to filter (type=).
            await browser.Page.EvaluateAsync("""
                startHeraldStreams(['mixed', 'calm'], { types: ['keep'], lastEventId: 'mixed:0,calm:0' });
                startHerald('/streams/mixed', ['keep'], 200, true);
                """);
            await browser.WaitForAsync(
                "streamStatuses.some(s => s.state === 'open') && statuses.some(s => s.state === 'open')", "both subscriptions to open", TimeSpan.FromSeconds(30));

            await server.Client.PublishAsync("mixed", "e1", eventType: "keep");
            await server.Client.PublishAsync("mixed", "e2", eventType: "drop");
            await server.Client.PublishAsync("mixed", "e3", eventType: "drop");
            // Only an id-only frame moves the several-streams cursor to mixed:3 (e2 and e3 were not sent). Then an event of
            // the other stream: after an id-only frame, the frame that moves only calm's pair.
            await browser.WaitForAsync("streamsSubscription.positions.mixed === 3", "the id-only frame past e2 and e3", Delivery);
            await server.Client.PublishAsync("calm", "c1");
            await browser.WaitForAsync("streamEvents.length >= 2 && received.length >= 1", "e1 and c1 on the page", Delivery);

            server.Kill();
            await server.WaitForExitAsync();
            await server.DisposeAsync();
            server = await ServerProcess.StartAsync(samePort);
            Assert.Equal(address, server.BaseAddress);

            await server.Client.PublishAsync("mixed", "e4", eventType: "keep");
            await server.Client.PublishAsync("mixed", "e5");
            await server.Client.PublishAsync("calm", "c2");
            await server.Client.PublishAsync("mixed", "e6", eventType: "drop");
            await browser.WaitForAsync(
                "streamsSubscription.positions.mixed === 6 && streamEvents.length >= 5 && received.length >= 3", "e4, e5 and c2 on the page", Delivery);

            string[] several = await browser.Page.EvaluateAsync<string[]>("streamEvents.slice()");
            Assert.Equal(["mixed 1 e1", "mixed 4 e4", "mixed 5 e5"], several.Where(e => e.StartsWith("mixed ", StringComparison.Ordinal)));
            Assert.Equal(["calm 1 c1", "calm 2 c2"], several.Where(e => e.StartsWith("calm ", StringComparison.Ordinal)));
            Assert.Equal(5, several.Length);
            Assert.Equal(["1:e1", "4:e4", "5:e5"], await browser.Page.EvaluateAsync<string[]>("received.slice()"));
            Assert.Equal(0, await browser.Page.EvaluateAsync<int>("streamsSubscription.dropped + subscription.dropped + gaps.length + resets.length + streamGaps.length + streamResets.length"));
            // The several-streams form resumed after the skipped events (mixed:3), not after e1: the id-only frame counted.
            JsonElement resumed = await browser.Page.EvaluateAsync<JsonElement>("streamStatuses.find(s => s.state === 'resumed')");
            output.WriteLine("resumed: " + resumed.GetRawText());
            Assert.Equal("mixed:3,calm:1", resumed.GetProperty("resumedAt").GetString());
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

    // What a plain EventSource page can check of a composite cursor with no filter (every event dispatched): each event's
    // lastEventId moves exactly one pair by exactly one from the previous event's, from the all-zero start, and its data is
    // e<that pair's new ID> (what RetryingPublisher publishes). So no event came twice, none is missing, each stream in order.
    private static void AssertEachEventMovesOnePairByOne(string[] frames, string[] streams)
    {
        Dictionary<string, long> cursor = streams.ToDictionary(s => s, _ => 0L);
        foreach (string frame in frames)
        {
            string[] parts = frame.Split(' ', 2);
            Dictionary<string, long> next = parts[0].Split(',').Select(p => p.Split(':')).ToDictionary(p => p[0], p => long.Parse(p[1], CultureInfo.InvariantCulture));
            Assert.Equal(streams, next.Keys);
            string[] moved = [.. streams.Where(s => next[s] != cursor[s])];
            Assert.True(moved.Length == 1 && next[moved[0]] == cursor[moved[0]] + 1, $"{frame} after {string.Join(',', cursor.Select(p => p.Key + ":" + p.Value))}");
            Assert.Equal("e" + next[moved[0]].ToString(CultureInfo.InvariantCulture), parts[1]);
            cursor = next;
        }
    }
}
