using System.Collections.Concurrent;
using System.Text.Json;

namespace Herald.Testing.Infrastructure;

/// <summary>
/// docs/protocol.md "Subscribe to several streams", run against every store through a server's HTTP API: publishers busy
/// on three streams, subscribers joining <c>GET /subscribe</c> mid-flight with composite cursors at random positions (some
/// streams missing from the cursor, a pair of a stream not subscribed), then each resuming from its last composite ID on
/// another connection after more publishing. Every subscriber must get every stream exactly from its own position, in
/// order, with no gap and no duplicate, and every frame's ID must move exactly one pair by exactly one.
/// </summary>
internal static class CompositeSeam
{
    private const int Publishers = 3;
    private const int EventsPerPublisher = 500;
    private const int Subscribers = 8;
    private const int EventsAfterwards = 60;

    /// <param name="publishers">Publishing goes round these clients (two nodes of a shared store may differ).</param>
    /// <param name="subscribe">Where the subscribers connect first.</param>
    /// <param name="resume">Where they reconnect with their last composite ID.</param>
    /// <param name="prefix">Prefix of the three stream names.</param>
    public static async Task RunAsync(IReadOnlyList<HttpClient> publishers, HttpClient subscribe, HttpClient resume, string prefix)
    {
        string[] streams = [prefix + "-a", prefix + "-b", prefix + "-c"];
        string path = "/subscribe?" + string.Join('&', streams.Select(s => "stream=" + s));
        Random random = new(20261202);
        ConcurrentDictionary<(string Stream, long Id), string> acknowledged = new();
        ProgressSignal progress = new();
        using CancellationTokenSource publishWindow = new(TimeSpan.FromSeconds(8)); // bounds the storm, not an assertion

        int[] joinAfter = [.. Enumerable.Range(0, Subscribers).Select(_ => random.Next(0, Publishers * EventsPerPublisher * 3 / 4))];
        int[] seeds = [.. Enumerable.Range(0, Subscribers).Select(_ => random.Next())];

        Task[] publishing = [.. Enumerable.Range(0, Publishers).Select(p => Task.Run(async () =>
        {
            Random pick = new(p);
            for (int i = 0; i < EventsPerPublisher && !publishWindow.IsCancellationRequested; i++)
            {
                string stream = streams[pick.Next(streams.Length)];
                string data = $"{{\"stream\":\"{stream}\",\"publisher\":{p},\"n\":{i}}}";
                long id = await publishers[(p + i) % publishers.Count].PublishAsync(stream, data);
                Assert.True(acknowledged.TryAdd((stream, id), data), $"{stream} id {id} was acknowledged twice");
                progress.Advance();
            }
        }))];
        Task allPublished = Task.WhenAll(publishing).ContinueWith(_ => progress.Finish(), TaskScheduler.Default);

        Task<Joined>[] joining = [.. Enumerable.Range(0, Subscribers).Select(s => Task.Run(async () =>
        {
            await progress.WaitForAsync(joinAfter[s]);
            Dictionary<string, long> cursor = await RandomCursorAsync(publishers[0], streams, s % 4, new Random(seeds[s]));
            string? lastEventId = cursor.Count == 0 ? null : CompositeId.Format(cursor.Append(new KeyValuePair<string, long>("not-subscribed", 5)));
            SseClient client = await SseClient.ConnectAsync(subscribe, path, lastEventId);
            SseEvent hello = await client.WaitForTypeAsync("hello");
            Dictionary<string, long> start = HelloLasts(hello);
            foreach ((string stream, long position) in cursor)
            {
                start[stream] = position; // a stream with a pair resumes after it; one without starts live, at hello's last
            }

            return new Joined(client, start);
        }))];

        await allPublished.WaitAsync(TestTimeouts.Bulk);
        await Task.WhenAll(publishing); // surfaces a publisher's failure
        Joined[] joined = await Task.WhenAll(joining).WaitAsync(TestTimeouts.Bulk);
        try
        {
            Dictionary<string, long> final = await LastsAsync(publishers[0], streams);
            foreach (string stream in streams)
            {
                SequenceAssert.Contiguous([.. acknowledged.Keys.Where(k => k.Stream == stream).Select(k => k.Id).Order()], 1, final[stream], stream + " acknowledged ids");
            }

            List<(Dictionary<string, long> From, string LastId)> resumes = [];
            foreach (Joined subscriber in joined)
            {
                await subscriber.Client.WaitForAsync(e => e.Id is not null && streams.All(s => CompositeId.Parse(e.Id)[s] == final[s]), TestTimeouts.Bulk, "every stream's final id");
                AssertExact(subscriber.Client, streams, subscriber.Start, final, acknowledged);
                resumes.Add((final, subscriber.Client.IdentifiedEvents[^1].Id!));
            }

            // Resume each subscriber from its last composite ID, on another connection, after more events on every stream.
            for (int i = 0; i < EventsAfterwards; i++)
            {
                string stream = streams[i % streams.Length];
                string data = $"{{\"stream\":\"{stream}\",\"afterwards\":{i}}}";
                long id = await publishers[i % publishers.Count].PublishAsync(stream, data);
                Assert.True(acknowledged.TryAdd((stream, id), data));
            }

            Dictionary<string, long> later = await LastsAsync(publishers[0], streams);
            foreach ((Dictionary<string, long> from, string lastId) in resumes)
            {
                await using SseClient resumed = await SseClient.ConnectAsync(resume, path, lastId);
                await resumed.WaitForAsync(e => e.Id is not null && streams.All(s => CompositeId.Parse(e.Id)[s] == later[s]), TestTimeouts.Bulk, "every stream's last id after resuming");
                AssertExact(resumed, streams, from, later, acknowledged);
            }
        }
        finally
        {
            foreach (Joined subscriber in joined)
            {
                await subscriber.Client.DisposeAsync();
            }
        }
    }

    /// <summary>
    /// Every identified frame moves exactly one pair by exactly one from <paramref name="start"/>, and each stream's events,
    /// read from the pair that moved, are exactly start + 1 … final with the data that was published under that ID.
    /// </summary>
    public static void AssertExact(
        SseClient client,
        string[] streams,
        IReadOnlyDictionary<string, long> start,
        IReadOnlyDictionary<string, long> final,
        IReadOnlyDictionary<(string Stream, long Id), string> published,
        bool allowControlFrames = false)
    {
        if (!allowControlFrames)
        {
            Assert.DoesNotContain(client.Events, e => e.Type is "gap" or "reset");
        }

        Dictionary<string, long> previous = new(start);
        Dictionary<string, List<long>> perStream = streams.ToDictionary(s => s, _ => new List<long>());
        foreach (SseEvent e in client.IdentifiedEvents)
        {
            Dictionary<string, long> now = CompositeId.Parse(e.Id!);
            Assert.Equal(streams, CompositeId.Streams(e.Id!)); // every pair, in the order of the stream parameters
            string[] moved = [.. streams.Where(s => now[s] != previous[s])];
            Assert.True(moved.Length == 1 && now[moved[0]] == previous[moved[0]] + 1, $"{client.Description}: id {e.Id} after {CompositeId.Format(previous)} does not move exactly one pair by one");
            string stream = moved[0];
            perStream[stream].Add(now[stream]);
            Assert.Equal(published[(stream, now[stream])], e.Data);
            previous = now;
        }

        foreach (string stream in streams)
        {
            SequenceAssert.Contiguous(perStream[stream], start[stream] + 1, final[stream], $"{client.Description}, stream {stream} from {start[stream]}");
        }
    }

    // 0: no cursor (every stream live); 1: every stream from 0; 2: random positions for some streams; 3: for every stream.
    private static async Task<Dictionary<string, long>> RandomCursorAsync(HttpClient http, string[] streams, int kind, Random random)
    {
        Dictionary<string, long> cursor = [];
        foreach (string stream in streams)
        {
            if (kind == 1)
            {
                cursor[stream] = 0;
            }
            else if (kind == 3 || (kind == 2 && random.Next(2) == 0))
            {
                cursor[stream] = random.NextInt64(0, (await http.GetInfoAsync(stream)).Last + 1);
            }
        }

        return cursor;
    }

    private static async Task<Dictionary<string, long>> LastsAsync(HttpClient http, string[] streams)
    {
        Dictionary<string, long> lasts = [];
        foreach (string stream in streams)
        {
            lasts[stream] = (await http.GetInfoAsync(stream)).Last;
        }

        return lasts;
    }

    private static Dictionary<string, long> HelloLasts(SseEvent hello)
    {
        using JsonDocument json = JsonDocument.Parse(hello.Data);
        return json.RootElement.GetProperty("streams").EnumerateArray().ToDictionary(s => s.GetProperty("stream").GetString()!, s => s.GetProperty("last").GetInt64());
    }

    private sealed record Joined(SseClient Client, Dictionary<string, long> Start);
}
