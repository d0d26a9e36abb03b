using System.Globalization;
using Herald.Server.Tests.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// API.md "Subscribe": a subscriber that cannot keep up never blocks publishers or other subscribers and never silently
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

    private static async Task<List<SseEvent>> ReceiveAllAsync(SseClient slow, HttpClient http)
    {
        try
        {
            await slow.WaitForIdAsync(Total, TestTimeouts.Bulk);
            return [.. slow.IdentifiedEvents];
        }
        catch (Xunit.Sdk.FailException) when (slow.Error is not null || slow.EndedCleanly)
        {
            // Kestrel may abort a connection that read too slowly (MinResponseDataRate); the contract is to resume.
        }

        List<SseEvent> received = [.. slow.IdentifiedEvents];
        string lastId = received.Count == 0 ? "0" : received[^1].Id!;
        await using SseClient resumed = await SseClient.ConnectAsync(http, "/streams/" + Stream, lastEventId: lastId);
        await resumed.WaitForIdAsync(Total, TestTimeouts.Bulk);
        Assert.DoesNotContain(resumed.Events, e => e.Type is "gap" or "reset");
        received.AddRange(resumed.IdentifiedEvents);
        return received;
    }

    private static string Data(long i, string padding) => i.ToString(CultureInfo.InvariantCulture) + ":" + padding;
}
