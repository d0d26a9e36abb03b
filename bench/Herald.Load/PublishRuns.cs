using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Herald.Load;

/// <summary>Closed-loop publishers: each sends its next request as soon as the previous one is acknowledged.</summary>
internal static class PublishRuns
{
    public static Task<RunResult> SingleAsync(string stream, string payload, Options options) =>
        RunAsync("publish", options, 1, RawHttpConnection.BuildPost(options.Url, $"/streams/{stream}", Encoding.UTF8.GetBytes(payload)));

    public static Task<RunResult> BatchAsync(string stream, string payload, Options options) =>
        RunAsync("batch", options, options.Batch, RawHttpConnection.BuildPost(options.Url, $"/streams/{stream}/batch", Payload.Ndjson(payload, options.Batch)));

    private static async Task<RunResult> RunAsync(string scenario, Options options, int eventsPerRequest, byte[] request)
    {
        // One keep-alive connection per publisher, opened and warmed up (JIT, connection set-up) before the clock starts.
        RawHttpConnection[] connections = await Task.WhenAll(Enumerable.Range(0, options.Publishers).Select(_ => RawHttpConnection.OpenAsync(options.Url)));
        await Task.WhenAll(connections.Select(c => c.SendAsync(request)));

        ConcurrentBag<double[]> latencies = [];
        long requests = 0;
        long errors = 0;
        Stopwatch clock = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(options.Seconds);
        const int MaxRequestsPerPublisher = 10_000_000;
        Task[] publishers = [.. connections.Select(connection => Task.Run(async () =>
        {
            List<double> mine = [];
            for (int n = 0; n < MaxRequestsPerPublisher && clock.Elapsed < duration; n++)
            {
                long start = Stopwatch.GetTimestamp();
                bool ok = await connection.SendAsync(request) == 201;
                mine.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                Interlocked.Increment(ref requests);
                if (!ok)
                {
                    Interlocked.Increment(ref errors);
                }
            }

            latencies.Add([.. mine]);
        }))];
        await Task.WhenAll(publishers);
        foreach (RawHttpConnection connection in connections)
        {
            connection.Dispose();
        }

        double seconds = clock.Elapsed.TotalSeconds;
        return new RunResult(scenario, (requests - errors) * eventsPerRequest, requests, seconds, [.. latencies.SelectMany(l => l)], errors);
    }
}
