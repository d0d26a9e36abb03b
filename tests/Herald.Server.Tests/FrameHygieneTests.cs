using System.IO.Compression;
using System.Net.Http.Headers;
using System.Text;
using Herald.Testing.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.ResponseCompression;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Subscribe"/"Publish": payload line breaks become data lines that a WHATWG parser joins with LF; no frame has an
/// empty <c>id:</c> or a CR; and events are not held back by response compression.
/// </summary>
public sealed class FrameHygieneTests
{
    public static TheoryData<string, string> Payloads => new()
    {
        { "cr", "a\rb" },
        { "lf", "a\nb" },
        { "crlf", "a\r\nb" },
        { "mixed", "one\rtwo\nthree\r\nfour\n\rfive" },
        { "trailing-lf", "trailing\n" },
        { "trailing-cr", "trailing\r" },
        { "only-newlines", "\r\n\n\r" },
        { "leading-spaces", "   three spaces" },
        { "colon-space", ": not a comment" },
        { "nul", "nul\0byte" },
        { "bom", "\uFEFFstarts with a BOM" },
        { "non-ascii", "ünïcödé 日本語 😀 \u2028 \u0085" },
        { "field-lookalikes", "x\nid: 7\nevent: gap\nretry: 1\ndata: y" },
    };

    [Fact]
    public async Task Subscribe_AwkwardPayloads_ParseToPayloadWithLineBreaksAsLf()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();
        List<(string Name, string Payload)> cases = [.. Payloads.Select(row => ((string)row[0], (string)row[1]))];
        foreach ((string name, string payload) in cases)
        {
            await host.Client.PublishAsync("hygiene", payload, eventType: name);
        }

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/hygiene", lastEventId: "0");
        await client.WaitForIdAsync(cases.Count);

        IReadOnlyList<SseEvent> events = client.IdentifiedEvents;
        for (int i = 0; i < cases.Count; i++)
        {
            (string name, string payload) = cases[i];
            string expected = payload.Replace("\r\n", "\n", StringComparison.Ordinal).Replace('\r', '\n');
            Assert.True(expected == events[i].Data, $"{name}: expected {Escape(expected)}, got {Escape(events[i].Data)}");
            Assert.Equal(name, events[i].Type);
        }

        AssertNoCrAndNoEmptyId(client.RawBytes);
    }

    [Fact]
    public async Task Subscribe_ControlFramesAndHeartbeats_HaveNoCrAndNoEmptyId()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { Retention = 10, Heartbeat = TimeSpan.FromMilliseconds(200) } });
        await host.Client.PublishBatchAsync("control", Enumerable.Range(1, 40).Select(i => $"line\r\n{i}"));

        await using SseClient gap = await SseClient.ConnectAsync(host.Client, "/streams/control", lastEventId: "1");
        await using SseClient reset = await SseClient.ConnectAsync(host.Client, "/streams/control", lastEventId: "1000");
        await gap.WaitForIdAsync(40);
        await reset.WaitForIdAsync(40);

        // A heartbeat is a comment line, which the parser drops: wait for it in the raw bytes.
        await gap.WaitForRawAsync(raw => raw.Contains("\n:", StringComparison.Ordinal), TestTimeouts.Frame, "heartbeat comment at a 200 ms heartbeat");

        Assert.Contains(gap.Events, e => e.Type == "gap");
        Assert.Contains(reset.Events, e => e.Type == "reset");
        AssertNoCrAndNoEmptyId(gap.RawBytes);
        AssertNoCrAndNoEmptyId(reset.RawBytes);
    }

    [Fact]
    public async Task Subscribe_ResponseCompressionForEventStream_DeliversEachEventBeforeTheNextIsPublishedUncompressed()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        HeraldHost.QuietLogging(builder);
        builder.Services.AddResponseCompression(o =>
        {
            o.EnableForHttps = true;
            o.Providers.Add<GzipCompressionProvider>();
            o.MimeTypes = [.. ResponseCompressionDefaults.MimeTypes, "text/event-stream"];
        });
        builder.Services.Configure<GzipCompressionProviderOptions>(o => o.Level = CompressionLevel.Optimal);
        builder.Services.AddHerald().UseInMemory();
        WebApplication app = builder.Build();
        app.UseResponseCompression();
        app.MapHerald("/streams");
        await using HeraldHost host = await HeraldHost.StartAsync(app);

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/compressed", configure: r =>
            r.Headers.AcceptEncoding.Add(new StringWithQualityHeaderValue("gzip")));
        await client.WaitForTypeAsync("hello");
        for (int i = 1; i <= 5; i++)
        {
            // Event i must arrive while event i + 1 is not even published: nothing may sit in a compression buffer.
            long id = await host.Client.PublishAsync("compressed", $"event {i}");
            SseEvent received = await client.WaitForIdAsync(id);
            Assert.Equal($"event {i}", received.Data);
        }

        Assert.DoesNotContain("gzip", client.Response.Content.Headers.ContentEncoding);
        Assert.StartsWith("retry: ", client.RawText, StringComparison.Ordinal);
    }

    private static void AssertNoCrAndNoEmptyId(byte[] raw)
    {
        Assert.True(Array.IndexOf(raw, (byte)'\r') < 0, "the stream must not contain a CR byte");
        string text = Encoding.UTF8.GetString(raw);
        foreach (string line in text.Split('\n'))
        {
            if (line.StartsWith("id", StringComparison.Ordinal) && (line == "id" || line.StartsWith("id:", StringComparison.Ordinal)))
            {
                Assert.False(string.IsNullOrWhiteSpace(line.Length > 3 ? line[3..] : string.Empty), $"an id line with no value: '{line}'");
            }
        }
    }

    private static string Escape(string s) => s.Replace("\r", "\\r", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal).Replace("\0", "\\0", StringComparison.Ordinal);
}
