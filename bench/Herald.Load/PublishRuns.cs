using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;

namespace Herald.Load;

/// <summary>Closed-loop publishers: each sends its next request as soon as the previous one is acknowledged.</summary>
internal static class PublishRuns
{
    public static Task<RunResult> SingleAsync(HttpClient http, string stream, string payload, Options options)
    {
        byte[] body = Encoding.UTF8.GetBytes(payload);
        return RunAsync("publish", options, 1, async () =>
        {
            using ByteArrayContent content = new(body);
            using HttpResponseMessage response = await http.PostAsync($"/streams/{stream}", content);
            return response.StatusCode == HttpStatusCode.Created;
        });
    }

    public static Task<RunResult> BatchAsync(HttpClient http, string stream, string payload, Options options)
    {
        byte[] body = Payload.Ndjson(payload, options.Batch);
        return RunAsync("batch", options, options.Batch, async () =>
        {
            using ByteArrayContent content = new(body);
            using HttpResponseMessage response = await http.PostAsync($"/streams/{stream}/batch", content);
            return response.StatusCode == HttpStatusCode.Created;
        });
    }

    private static async Task<RunResult> RunAsync(string scenario, Options options, int eventsPerRequest, Func<Task<bool>> send)
    {
        // Warm up connections and the JIT so the timed window measures the steady state.
        for (int i = 0; i < Math.Min(options.Publishers, 8); i++)
        {
            await send();
        }

        ConcurrentBag<double[]> latencies = [];
        long requests = 0;
        long errors = 0;
        Stopwatch clock = Stopwatch.StartNew();
        TimeSpan duration = TimeSpan.FromSeconds(options.Seconds);
        const int MaxRequestsPerPublisher = 10_000_000;
        Task[] publishers = [.. Enumerable.Range(0, options.Publishers).Select(_ => Task.Run(async () =>
        {
            List<double> mine = [];
            for (int n = 0; n < MaxRequestsPerPublisher && clock.Elapsed < duration; n++)
            {
                long start = Stopwatch.GetTimestamp();
                bool ok = await send();
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
        double seconds = clock.Elapsed.TotalSeconds;
        return new RunResult(scenario, (requests - errors) * eventsPerRequest, requests, seconds, [.. latencies.SelectMany(l => l)], errors);
    }
}
