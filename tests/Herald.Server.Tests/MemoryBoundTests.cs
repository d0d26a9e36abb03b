using System.Globalization;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;
using Xunit.Abstractions;

namespace Herald.Server.Tests;

/// <summary>
/// Issue 11, "memory bounded in bytes" (docs/protocol.md "Limits"), on a real server process: large events read slowly by many
/// clients at once must not make the server hold a page of them per reader. Before pages were bounded in bytes this
/// scenario peaked at 2,830 MiB.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class MemoryBoundTests(ITestOutputHelper output)
{
    private const int Events = 40;
    private const int EventBytes = 900 * 1024;
    private const int Readers = 20;
    private const long RssCeilingKiB = 512 * 1024;

    [Fact]
    public async Task FortyLargeEvents_TwentySlowSseAndTwentySlowPageReadersFromZero_RssStaysUnder512MiBAndEveryoneGetsEveryEventInOrder()
    {
        using TempDirectory dir = new();
        await using ServerProcess server = await ServerProcess.StartAsync("--store", "sqlite:" + dir.File("herald.db"), "--max-connections-per-ip", "0");
        for (int i = 1; i <= Events; i++)
        {
            string data = string.Create(EventBytes, i, static (span, n) => span.Fill((char)('a' + (n % 26))));
            Assert.Equal(i, await server.Client.PublishAsync("big", data));
        }

        using var sampling = new CancellationTokenSource();
        long peakKiB = 0;
        Task sampler = Task.Run(async () =>
        {
            while (!sampling.IsCancellationRequested)
            {
                peakKiB = Math.Max(peakKiB, RssKiB(server.Pid));
                await Task.Delay(50).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        });

        using HttpClient http = TestHttp.CreateClient(server.Client.BaseAddress!, receiveBufferBytes: 64 * 1024);
        Task<List<long>>[] subscribers = [.. Enumerable.Range(0, Readers).Select(_ => Task.Run(() => ReadSseSlowlyAsync(http)))];
        Task<List<long>>[] pageReaders = [.. Enumerable.Range(0, Readers).Select(_ => Task.Run(() => ReadPagesSlowlyAsync(http)))];
        List<long>[] results = await Task.WhenAll(subscribers.Concat(pageReaders)).WaitAsync(TestTimeouts.Bulk * 2);
        await sampling.CancelAsync();
        await sampler;

        output.WriteLine($"peak RSS {peakKiB / 1024} MiB");
        long[] expected = [.. Enumerable.Range(1, Events).Select(i => (long)i)];
        Assert.All(results, ids => Assert.Equal(expected, ids));
        Assert.True(peakKiB < RssCeilingKiB, $"the server's RSS peaked at {peakKiB / 1024} MiB (ceiling {RssCeilingKiB / 1024} MiB)");
    }

    /// <summary>An SSE subscriber from 0 that reads 64 KiB at a time with a pause between reads, keeping only the IDs.</summary>
    private static async Task<List<long>> ReadSseSlowlyAsync(HttpClient http)
    {
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/big");
        request.Headers.Add("Last-Event-ID", "0");
        using HttpResponseMessage response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        await using Stream body = await response.Content.ReadAsStreamAsync();
        List<long> ids = [];
        byte[] buffer = new byte[64 * 1024];
        var line = new StringBuilder();
        bool atLineStart = true;
        while (ids.Count < Events)
        {
            int read = await body.ReadAsync(buffer);
            Assert.True(read > 0, $"the stream ended after {ids.Count} events");
            foreach (byte b in buffer.AsSpan(0, read))
            {
                if (b == (byte)'\n')
                {
                    string text = line.ToString();
                    if (text.StartsWith("id: ", StringComparison.Ordinal))
                    {
                        ids.Add(long.Parse(text.AsSpan(4), CultureInfo.InvariantCulture));
                    }

                    line.Clear();
                    atLineStart = true;
                }
                else if (atLineStart || line.Length < 32)
                {
                    line.Append((char)b); // only a line's start matters: data lines are 900 KiB
                    atLineStart = false;
                }
            }

            await Task.Delay(5);
        }

        return ids;
    }

    /// <summary>Pages through <c>events</c> from 0, reading each response slowly; the pages end early by bytes, the IDs stay contiguous.</summary>
    private static async Task<List<long>> ReadPagesSlowlyAsync(HttpClient http)
    {
        List<long> ids = [];
        long after = 0;
        for (int page = 0; page < 4 * Events && ids.Count < Events; page++)
        {
            using HttpResponseMessage response = await http.GetAsync($"/streams/big/events?after={after}&limit=1000", HttpCompletionOption.ResponseHeadersRead);
            response.EnsureSuccessStatusCode();
            await using Stream body = await response.Content.ReadAsStreamAsync();
            using MemoryStream copy = new();
            byte[] buffer = new byte[64 * 1024];
            int read;
            while ((read = await body.ReadAsync(buffer)) > 0)
            {
                copy.Write(buffer, 0, read);
                await Task.Delay(5);
            }

            using JsonDocument json = JsonDocument.Parse(copy.ToArray());
            long[] pageIds = [.. json.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("id").GetInt64())];
            Assert.NotEmpty(pageIds);
            Assert.True(pageIds.Length < Events, $"one page held {pageIds.Length} events of {EventBytes} bytes: pages are not bounded in bytes");
            ids.AddRange(pageIds);
            after = pageIds[^1];
        }

        return ids;
    }

    private static long RssKiB(int pid)
    {
        try
        {
            foreach (string line in File.ReadLines($"/proc/{pid}/status"))
            {
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                {
                    return long.Parse(line.AsSpan(6).Trim().ToString().Split(' ')[0], CultureInfo.InvariantCulture);
                }
            }
        }
        catch (IOException)
        {
        }

        return 0;
    }
}
