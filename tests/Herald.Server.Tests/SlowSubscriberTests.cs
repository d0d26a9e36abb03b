using System.Globalization;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe": a subscriber that cannot keep up never blocks publishers or other subscribers and never silently
/// skips an event: it is served from the log at its own pace, or disconnected so that it resumes by Last-Event-ID.
/// </summary>
public sealed class SlowSubscriberTests
{
    private const int Total = 20_000;
    private const string Stream = "slow";

    [Fact]
    public async Task Subscribe_OneSubscriberStopsReading_PublishersAndOthersAreNotBlockedAndItCatchesUpWithoutLoss()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        using HttpClient slowHttp = TestHttp.CreateClient(host.BaseAddress, receiveBufferBytes: 4096);
        string padding = new('x', 1000); // 20,000 x ~1 KB: far more than socket buffers hold, so the paused socket pushes back

        await using SseClient slow = await SseClient.ConnectAsync(slowHttp, "/streams/" + Stream, lastEventId: "0");
        await using SseClient fast1 = await SseClient.ConnectAsync(host.Client, "/streams/" + Stream, lastEventId: "0");
        await using SseClient fast2 = await SseClient.ConnectAsync(host.Client, "/streams/" + Stream, lastEventId: "0");
        await Task.WhenAll(slow.WaitForTypeAsync("hello"), fast1.WaitForTypeAsync("hello"), fast2.WaitForTypeAsync("hello"));
        slow.Pause();

        for (int batch = 0; batch < Total / 10_000; batch++)
        {
            (long first, long last) = await host.Client.PublishBatchAsync(Stream, Enumerable.Range((batch * 10_000) + 1, 10_000).Select(i => Data(i, padding)));
            Assert.Equal((batch * 10_000) + 1, first);
            Assert.Equal((batch + 1) * 10_000, last);
        }

        await fast1.WaitForIdAsync(Total, TestTimeouts.Bulk);
        await fast2.WaitForIdAsync(Total, TestTimeouts.Bulk);
        int slowSoFar = slow.IdentifiedEvents.Count;
        Assert.True(slowSoFar < Total, $"the paused subscriber must not have read everything yet (test set-up), got {slowSoFar}");
        foreach (SseClient fast in new[] { fast1, fast2 })
        {
            IReadOnlyList<SseEvent> events = fast.IdentifiedEvents;
            SequenceAssert.Contiguous([.. events.Select(e => e.NumericId)], 1, Total, fast.Description);
        }

        // Reading again: the rest arrives on this connection, or, if the server gave up on it, by resuming.
        slow.Resume();
        List<SseEvent> received = await ReceiveAllAsync(slow, slowHttp);

        SequenceAssert.Contiguous([.. received.Select(e => e.NumericId)], 1, Total, "the slow subscriber");
        Assert.All(received, e => Assert.Equal(Data(e.NumericId, padding), e.Data));
    }

    [Fact]
    public async Task Subscribe_SubscriberFallsBehindRetentionWhileNotReading_GetsGapThenEveryRetainedEvent()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 100 } });
        using HttpClient slowHttp = TestHttp.CreateClient(host.BaseAddress, receiveBufferBytes: 4096);
        string padding = new('x', 1000);
        await using SseClient slow = await SseClient.ConnectAsync(slowHttp, "/streams/" + Stream, lastEventId: "0");
        await slow.WaitForTypeAsync("hello");
        slow.Pause();

        for (int batch = 0; batch < Total / 10_000; batch++)
        {
            await host.Client.PublishBatchAsync(Stream, Enumerable.Range((batch * 10_000) + 1, 10_000).Select(i => Data(i, padding)));
        }

        long first = (await host.Client.GetInfoAsync(Stream)).First!.Value;
        Assert.True(first > 10_000, $"retention 100 must have trimmed far past what the paused socket can hold; first = {first}");
        slow.Resume();
        List<SseEvent> received = await ReceiveAllAsync(slow, slowHttp, includeControl: true);

        // Every event follows the one before it, except right after a gap frame, which names the last ID delivered and
        // the first retained one (the subscriber may fall behind more than once while the publishes go on).
        long position = 0;
        int gaps = 0;
        foreach (SseEvent e in received)
        {
            if (e.Type == "gap")
            {
                using System.Text.Json.JsonDocument gap = System.Text.Json.JsonDocument.Parse(e.Data);
                Assert.True(gap.RootElement.GetProperty("lastEventId").GetInt64() == position, $"gap {e.Data} must name the last delivered id {position}");
                long gapFirst = gap.RootElement.GetProperty("first").GetInt64();
                Assert.True(gapFirst > position + 1, $"gap {e.Data} after {position} skips nothing");
                position = gapFirst - 1;
                gaps++;
                continue;
            }

            Assert.True(e.Type == "message" && e.NumericId == position + 1, $"after {position} expected event {position + 1}, got {e}");
            Assert.Equal(Data(e.NumericId, padding), e.Data);
            position++;
        }

        Assert.True(gaps > 0, $"a subscriber behind the retained history must get a gap frame, never silence; got {received.Count} items");
        Assert.Equal(Total, position);
    }

    private static async Task<List<SseEvent>> ReceiveAllAsync(SseClient slow, HttpClient http, bool includeControl = false)
    {
        try
        {
            await slow.WaitForIdAsync(Total, TestTimeouts.Bulk);
            return Received(slow, includeControl);
        }
        catch (Xunit.Sdk.FailException) when (slow.Error is not null || slow.EndedCleanly)
        {
            // Kestrel may abort a connection that read too slowly (MinResponseDataRate); the contract is to resume.
        }

        List<SseEvent> received = Received(slow, includeControl);
        IReadOnlyList<SseEvent> identified = slow.IdentifiedEvents;
        string lastId = identified.Count == 0 ? "0" : identified[^1].Id!;
        await using SseClient resumed = await SseClient.ConnectAsync(http, "/streams/" + Stream, lastEventId: lastId);
        await resumed.WaitForIdAsync(Total, TestTimeouts.Bulk);
        if (!includeControl)
        {
            Assert.DoesNotContain(resumed.Events, e => e.Type is "gap" or "reset");
        }

        received.AddRange(Received(resumed, includeControl));
        return received;
    }

    private static List<SseEvent> Received(SseClient client, bool includeControl) =>
        [.. client.Events.Where(e => e.Id is not null || (includeControl && e.Type != "hello"))];

    private static string Data(long i, string padding) => i.ToString(CultureInfo.InvariantCulture) + ":" + padding;
}
