using Herald.Testing;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Redis.Tests.Topology;
using Herald.Testing.Infrastructure;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

/// <summary>
/// Herald over <c>rediss://</c> against a TLS-only redis-server (plain port closed) whose certificate a private test CA
/// signed. The library takes the CA through <see cref="ConfigurationOptions.TrustIssuer(string)"/> on the options
/// <see cref="RedisUri.Parse"/> gives. Herald.Server has no option of its own for a CA (<c>--store</c> is only the URI), so a
/// server process trusts a private CA the way any .NET process on Linux does: the OpenSSL trust store, here pointed at
/// the CA with <c>SSL_CERT_FILE</c> in the child's environment. Each test starts its own TLS server.
/// </summary>
[Collection(MultiNodeCollection.Name)]
public sealed partial class TlsTests
{
    [Fact]
    public async Task OpenAsync_RedissUriWithTestCaTrusted_AppendsReadsListsAndWatchesAnotherInstancesAppends()
    {
        await using RedisServer redis = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        ConfigurationOptions configuration = RedisUri.Parse(redis.Uri);
        Assert.True(configuration.Ssl);
        configuration.TrustIssuer(redis.Tls!.CaCertificatePath);
        var options = new RedisEventLogOptions(configuration) { KeyPrefix = "tls" };
        await using RedisEventLog watcher = await RedisEventLog.OpenAsync(options);
        await using RedisEventLog appender = await RedisEventLog.OpenAsync(options);
        var observer = new RecordingAppendObserver();
        using IDisposable watch = watcher.Watch("secure", observer);

        // A watch that starts while another node appends begins near the stream's end: one append, reported, shows it is up.
        Assert.Equal(new AppendResult(1, 1, false), await appender.AppendAsync("secure", [Event("e1")], null, CancellationToken.None));
        await observer.WaitForAsync(1);
        for (int i = 2; i <= 30; i++)
        {
            Assert.Equal(new AppendResult(i, i, false), await appender.AppendAsync("secure", [Event($"e{i}")], null, CancellationToken.None));
        }

        AppendResult batch = await appender.AppendAsync("secure", [Event("e31"), Event("e32"), Event("e33")], "batch-key", CancellationToken.None);
        AppendResult replayed = await appender.AppendAsync("secure", [Event("again")], "batch-key", CancellationToken.None);
        await observer.WaitForAsync(33);

        Assert.Equal(new AppendResult(31, 33, false), batch);
        Assert.Equal(new AppendResult(31, 33, true), replayed);
        StoredEvent[] reported = observer.Events;
        SequenceAssert.Contiguous([.. reported.Select(e => e.Id)], 1, 33, "observer over TLS");
        Assert.All(reported, e => Assert.Equal($"e{e.Id}", Text(e)));
        IReadOnlyList<StoredEvent> stored = await watcher.ReadAsync("secure", 0, 100, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 33).Select(i => (long)i), stored.Select(e => e.Id));
        Assert.All(stored, e => Assert.Equal($"e{e.Id}", Text(e)));
        Assert.Equal(new StreamInfo(1, 33), await watcher.GetInfoAsync("secure", CancellationToken.None));
        Assert.Equal([new StreamSummary("secure", 1, 33)], await watcher.ListStreamsAsync(null, 10, CancellationToken.None));
        Assert.True(await watcher.IsReadyAsync(CancellationToken.None));

        // Both stores are connected to the server, which listens on its TLS port only.
        Assert.True((await redis.ClientListAsync()).Count(client => client.Name == "herald") >= 2, "both stores should hold connections to the TLS server");
    }

    [Fact]
    public async Task OpenAsync_RedissUriWithoutTrustingTheCa_ThrowsUnavailable()
    {
        await using RedisServer redis = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        var options = new RedisEventLogOptions(RedisUri.Parse(redis.Uri))
        {
            ConnectTimeout = TimeSpan.FromSeconds(2),
            OperationTimeout = TimeSpan.FromSeconds(2),
        };

        // The server's certificate chains to the test CA only, which the system does not trust: the handshake is refused.
        EventLogUnavailableException refused = await Assert.ThrowsAsync<EventLogUnavailableException>(() => RedisEventLog.OpenAsync(options).WaitAsync(TestTimeouts.Bulk));
        Assert.Contains("UntrustedRoot", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ServerProcess_RedissStoreWithTestCaInSslCertFile_PublishesAndServesSubscriber()
    {
        await using RedisServer redis = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });
        await using ServerProcess node = await ServerProcess.StartAsync(
            new Dictionary<string, string> { ["SSL_CERT_FILE"] = redis.Tls!.CaCertificatePath },
            "--store", redis.Uri, "--heartbeat", "1");
        await using SseClient subscriber = await SseClient.ConnectAsync(node.Client, "/streams/secure", lastEventId: "0");
        for (int i = 1; i <= 20; i++)
        {
            Assert.Equal(i, await node.Client.PublishAsync("secure", $"e{i}"));
        }

        await subscriber.WaitForIdAsync(20, TestTimeouts.Bulk);

        IReadOnlyList<SseEvent> received = subscriber.IdentifiedEvents;
        SequenceAssert.Contiguous([.. received.Select(e => e.NumericId)], 1, 20, "subscriber of a node on a TLS store");
        Assert.All(received, e => Assert.Equal($"e{e.Id}", e.Data));
        using HttpResponseMessage ready = await node.Client.GetAsync(new Uri("/readyz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        Assert.Equal("20", await redis.CommandAsync("XLEN", "herald:{secure}:log"));
    }

    [Fact]
    public async Task ServerProcess_RedissStoreWithCaNotTrusted_ExitsWithCannotStart()
    {
        await using RedisServer redis = await RedisServer.StartAsync(new RedisServerOptions { Tls = true });

        (int exitCode, string stdout, string stderr) = await ServerProcess.RunToExitAsync("--urls", "http://127.0.0.1:0", "--store", redis.Uri);

        Assert.True(exitCode == 1, $"exit code {exitCode}\nstdout:\n{stdout}\nstderr:\n{stderr}");
        Assert.Contains("herald-server: cannot start:", stderr, StringComparison.Ordinal);
        Assert.Contains("UntrustedRoot", stderr, StringComparison.Ordinal); // refused for the CA, not for anything else
    }

    private static EventData Event(string data) => new(null, Encoding.UTF8.GetBytes(data));

    private static string Text(StoredEvent e) => Encoding.UTF8.GetString(e.Data.Span);
}
