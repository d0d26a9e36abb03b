using System.Net;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// Issue 11: JSON reads are capped like subscriptions (--max-concurrent-reads), since each holds a page while its
/// client reads: over the cap a read gets 503 with Retry-After at once, and a slot frees when a read ends.
/// </summary>
public sealed class ReadLimitTests
{
    [Fact]
    public async Task ReadsAtTheCap_TheNextGets503WithRetryAfter_UntilOneEnds()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { MaxConcurrentReads = 1, MaxPageBytes = 32 * 1024 * 1024 } });
        string data = new('x', 1024 * 1024);
        for (int i = 0; i < 12; i++)
        {
            await host.Client.PublishAsync("big", data);
        }

        // A reader that takes a 12 MiB page and does not read it: the server's write waits on it, holding its slot.
        using HttpClient slow = TestHttp.CreateClient(host.BaseAddress, receiveBufferBytes: 4096);
        using HttpResponseMessage held = await slow.GetAsync("/streams/big/events?limit=1000", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, held.StatusCode);

        using HttpResponseMessage refused = await host.Client.GetAsync("/streams/big/info");
        string problem = await refused.Content.ReadAsStringAsync();
        using (Stream body = await held.Content.ReadAsStreamAsync())
        {
            await body.CopyToAsync(Stream.Null); // the reader finishes: its slot is free again
        }

        // The server releases the slot just after its last write reaches the client: ask until it has (bounded).
        HttpStatusCode served = HttpStatusCode.ServiceUnavailable;
        for (DateTime deadline = DateTime.UtcNow + TestTimeouts.Frame; served != HttpStatusCode.OK && DateTime.UtcNow < deadline; await Task.Delay(50))
        {
            using HttpResponseMessage again = await host.Client.GetAsync("/streams/big/info");
            served = again.StatusCode;
        }

        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
        Assert.NotNull(refused.Headers.RetryAfter);
        Assert.Contains("too-many-reads", problem, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, served);
    }
}
