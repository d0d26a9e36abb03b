using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Herald.Testing.Infrastructure;

/// <summary>
/// docs/design.md: replay and live are one cursor, so subscribers that join while publishers are busy, wherever they
/// resume, see every event exactly once and in order. One scenario, run against every store (memory and SQLite in the
/// server tests, Redis in the Redis tests) through a server's HTTP API.
/// </summary>
internal static class ReplayLiveSeam
{
    private const int Publishers = 4;
    private const int EventsPerPublisher = 1500;
    private const int Subscribers = 10;

    /// <summary>Publishes through <paramref name="publish"/> and subscribes through <paramref name="subscribe"/> (two nodes of a shared store may differ).</summary>
    public static async Task RunAsync(HttpClient publish, HttpClient subscribe, string stream)
    {
        HttpClient http = publish;
        Random random = new(20240611);
        ConcurrentDictionary<long, string> acknowledged = new();
        ProgressSignal progress = new();
        using CancellationTokenSource publishWindow = new(TimeSpan.FromSeconds(8)); // bounds the storm, not an assertion

        // Each subscriber joins when the publishers have acknowledged a random number of events: random moments, no sleeps.
        int[] joinAfter = [.. Enumerable.Range(0, Subscribers).Select(_ => random.Next(0, Publishers * EventsPerPublisher * 3 / 4))];
        int[] positionKind = [.. Enumerable.Range(0, Subscribers).Select(i => i % 4)]; // 0: none, 1: zero, 2-3: random retained ID
        int[] seeds = [.. Enumerable.Range(0, Subscribers).Select(_ => random.Next())];

        Task[] publishers = [.. Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            for (int i = 0; i < EventsPerPublisher && !publishWindow.IsCancellationRequested; i++)
            {
                string data = $"{{\"publisher\":{p},\"n\":{i}}}";
                long id = await http.PublishAsync(stream, data);
                Assert.True(acknowledged.TryAdd(id, data), $"id {id} was acknowledged twice");
                progress.Advance();
            }
        }))];
        Task allPublished = Task.WhenAll(publishers).ContinueWith(_ => progress.Finish(), TaskScheduler.Default);

        Task<(SseClient Client, long Start)>[] subscribers = [.. Enumerable.Range(0, Subscribers).Select(s => Task.Run(async () =>
        {
            await progress.WaitForAsync(joinAfter[s]);
            string? position = null;
            if (positionKind[s] == 1)
            {
                position = "0";
            }
            else if (positionKind[s] >= 2)
            {
                long last = (await http.GetInfoAsync(stream)).Last;
                position = new Random(seeds[s]).NextInt64(0, last + 1).ToString(CultureInfo.InvariantCulture);
            }

            SseClient client = await SseClient.ConnectAsync(subscribe, "/streams/" + stream, lastEventId: position);
            SseEvent hello = await client.WaitForTypeAsync("hello");
            long start = position is null ? HelloLast(hello) : long.Parse(position, CultureInfo.InvariantCulture);
            return (client, start);
        }))];

        await allPublished.WaitAsync(TestTimeouts.Bulk);
        await Task.WhenAll(publishers); // surfaces a publisher's failure
        (SseClient Client, long Start)[] joined = await Task.WhenAll(subscribers).WaitAsync(TestTimeouts.Bulk);
        try
        {
            long final = (await http.GetInfoAsync(stream)).Last;
            Assert.Equal(acknowledged.Count, final);
            SequenceAssert.Contiguous([.. acknowledged.Keys.Order()], 1, final, "acknowledged ids");

            foreach ((SseClient client, long start) in joined)
            {
                await client.WaitForIdAsync(final, TestTimeouts.Bulk);
                Assert.DoesNotContain(client.Events, e => e.Type is "gap" or "reset");
                IReadOnlyList<SseEvent> events = client.IdentifiedEvents;
                SequenceAssert.Contiguous([.. events.Select(e => e.NumericId)], start + 1, final, $"{client.Description} starting after {start}");
                Assert.All(events, e => Assert.Equal(acknowledged[e.NumericId], e.Data));
            }
        }
        finally
        {
            foreach ((SseClient client, _) in joined)
            {
                await client.DisposeAsync();
            }
        }
    }

    private static long HelloLast(SseEvent hello)
    {
        using JsonDocument json = JsonDocument.Parse(hello.Data);
        return json.RootElement.GetProperty("last").GetInt64();
    }
}
