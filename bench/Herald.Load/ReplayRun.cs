using System.Buffers.Text;
using System.Diagnostics;
using System.Net;

namespace Herald.Load;

/// <summary>
/// Fills a stream with N events (in batches), then times one subscriber reading them all from position 0. The reader
/// scans the raw bytes for <c>id:</c> lines and checks every ID is the previous one plus 1, so the figure is the
/// server's, not a parser's.
/// </summary>
internal static class ReplayRun
{
    public static async Task<RunResult> RunAsync(HttpClient http, string stream, string payload, Options options)
    {
        byte[] batch = Payload.Ndjson(payload, 1000);
        for (int published = 0; published < options.Events; published += 1000)
        {
            using ByteArrayContent content = new(batch);
            using HttpResponseMessage response = await http.PostAsync($"/streams/{stream}/batch", content);
            response.EnsureSuccessStatusCode();
        }

        // Restart-like conditions: the subscriber reads from the store, not from a hot tail it never had.
        using HttpRequestMessage request = new(HttpMethod.Get, $"/streams/{stream}");
        request.Headers.Add("Last-Event-ID", "0");
        using CancellationTokenSource timeout = new(TimeSpan.FromSeconds(120));
        Stopwatch clock = Stopwatch.StartNew();
        using HttpResponseMessage sse = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeout.Token);
        sse.EnsureSuccessStatusCode();
        await using Stream body = await sse.Content.ReadAsStreamAsync(timeout.Token);
        long expected = 1;
        long errors = 0;
        byte[] buffer = new byte[256 * 1024];
        int carry = 0;
        while (expected <= options.Events)
        {
            int read = await body.ReadAsync(buffer.AsMemory(carry), timeout.Token);
            if (read == 0)
            {
                break;
            }

            int length = carry + read;
            int consumed = Scan(buffer.AsSpan(0, length), ref expected, ref errors);
            carry = length - consumed;
            buffer.AsSpan(consumed, carry).CopyTo(buffer);
        }

        double seconds = clock.Elapsed.TotalSeconds;
        long received = expected - 1;
        if (received != options.Events)
        {
            errors++;
        }

        return new RunResult("replay", received, 1, seconds, [seconds * 1000], errors);
    }

    // Consumes whole lines; returns how many bytes were consumed.
    private static int Scan(ReadOnlySpan<byte> data, ref long expected, ref long errors)
    {
        int consumed = 0;
        while (true)
        {
            int lf = data[consumed..].IndexOf((byte)'\n');
            if (lf < 0)
            {
                return consumed;
            }

            ReadOnlySpan<byte> line = data.Slice(consumed, lf);
            if (line.StartsWith("id: "u8))
            {
                if (!Utf8Parser.TryParse(line[4..], out long id, out _) || id != expected)
                {
                    errors++;
                }

                expected = id + 1;
            }

            consumed += lf + 1;
        }
    }
}
