using System.Net;
using System.Text;
using System.Text.Json;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md "Publish"/"Batch publish": an Idempotency-Key repeat appends nothing and answers 200 with the original IDs; run
/// against the standalone server and an app that embeds Herald (the sealed classes at the end).
/// </summary>
public abstract class IdempotencyTests
{
    private readonly HeraldHost _host;

    private protected IdempotencyTests(HeraldHost host) => _host = host;

    private HttpClient Http => _host.Client;

    [Fact]
    public async Task Publish_SameKeyTwiceWithDifferentBody_AnswersOriginalIdAndAppendsNothing()
    {
        await Http.PublishAsync("idem-single", "before");

        (HttpStatusCode firstStatus, JsonElement first, bool firstReplayed) = await SendAsync("/streams/idem-single", "original", "key-1");
        (HttpStatusCode secondStatus, JsonElement second, bool secondReplayed) = await SendAsync("/streams/idem-single", "different body", "key-1");

        Assert.Equal(HttpStatusCode.Created, firstStatus);
        Assert.False(firstReplayed);
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.True(secondReplayed, "a repeat must carry Idempotent-Replayed: true");
        Assert.Equal(2, first.GetProperty("id").GetInt64());
        Assert.Equal(2, second.GetProperty("id").GetInt64());
        Assert.Equal("idem-single", second.GetProperty("stream").GetString());
        (IReadOnlyList<ReadEvent> events, long last) = await Http.GetEventsAsync("idem-single");
        Assert.Equal(2, last);
        Assert.Equal(["before", "original"], events.Select(e => e.Data));
    }

    [Fact]
    public async Task PublishBatch_SameKeyTwice_AnswersOriginalFirstAndLastAndAppendsNothing()
    {
        await Http.PublishAsync("idem-batch", "before");

        (HttpStatusCode firstStatus, JsonElement first, _) = await SendAsync("/streams/idem-batch/batch", "{\"data\":\"a\"}\n{\"data\":\"b\"}\n{\"data\":\"c\"}", "batch-key");
        (HttpStatusCode secondStatus, JsonElement second, bool replayed) = await SendAsync("/streams/idem-batch/batch", "{\"data\":\"other\"}", "batch-key");

        Assert.Equal(HttpStatusCode.Created, firstStatus);
        Assert.Equal(HttpStatusCode.OK, secondStatus);
        Assert.True(replayed);
        Assert.Equal((2L, 4L), (first.GetProperty("first").GetInt64(), first.GetProperty("last").GetInt64()));
        Assert.Equal((2L, 4L), (second.GetProperty("first").GetInt64(), second.GetProperty("last").GetInt64()));
        Assert.Equal(4, (await Http.GetInfoAsync("idem-batch")).Last);
    }

    [Fact]
    public async Task Publish_KeyUsedByBatchOnSameStream_ReplaysTheBatchAndViceVersa()
    {
        (_, JsonElement batch, _) = await SendAsync("/streams/idem-shared/batch", "{\"data\":\"a\"}\n{\"data\":\"b\"}", "shared-1");
        (HttpStatusCode singleStatus, JsonElement single, bool singleReplayed) = await SendAsync("/streams/idem-shared", "x", "shared-1");

        (_, JsonElement single2, _) = await SendAsync("/streams/idem-shared", "y", "shared-2");
        (HttpStatusCode batchStatus, JsonElement batch2, bool batchReplayed) = await SendAsync("/streams/idem-shared/batch", "{\"data\":\"z\"}", "shared-2");

        Assert.Equal(HttpStatusCode.OK, singleStatus);
        Assert.True(singleReplayed);
        Assert.Equal(batch.GetProperty("first").GetInt64(), single.GetProperty("id").GetInt64());
        Assert.Equal(HttpStatusCode.OK, batchStatus);
        Assert.True(batchReplayed);
        Assert.Equal(single2.GetProperty("id").GetInt64(), batch2.GetProperty("first").GetInt64());
        Assert.Equal(single2.GetProperty("id").GetInt64(), batch2.GetProperty("last").GetInt64());
        Assert.Equal(3, (await Http.GetInfoAsync("idem-shared")).Last);
    }

    [Fact]
    public async Task Publish_SameKeyOnAnotherStream_IsANewEvent()
    {
        (HttpStatusCode a, _, _) = await SendAsync("/streams/idem-a", "x", "per-stream");
        (HttpStatusCode b, JsonElement body, bool replayed) = await SendAsync("/streams/idem-b", "x", "per-stream");

        Assert.Equal(HttpStatusCode.Created, a);
        Assert.Equal(HttpStatusCode.Created, b);
        Assert.False(replayed);
        Assert.Equal(1, body.GetProperty("id").GetInt64());
        Assert.Equal(1, (await Http.GetInfoAsync("idem-b")).Last);
    }

    [Fact]
    public async Task Publish_Replay_CountsInMetricsNotAsPublished()
    {
        Dictionary<string, double> before = await Http.GetMetricsAsync();
        await SendAsync("/streams/idem-metrics", "x", "metric-key");
        await SendAsync("/streams/idem-metrics", "x", "metric-key");
        Dictionary<string, double> after = await Http.GetMetricsAsync();

        Assert.Equal(1, after.Sample("herald_idempotent_replays_total") - before.Sample("herald_idempotent_replays_total"));
        Assert.Equal(1, after.Sample("herald_events_published_total") - before.Sample("herald_events_published_total"));
    }

    private async Task<(HttpStatusCode Status, JsonElement Body, bool Replayed)> SendAsync(string path, string body, string key)
    {
        using HttpResponseMessage response = await Http.PostAsync(path, Encoding.UTF8.GetBytes(body), r => r.Headers.Add("Idempotency-Key", key));
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"POST {path}: {(int)response.StatusCode} {text}");
        bool replayed = response.Headers.TryGetValues("Idempotent-Replayed", out IEnumerable<string>? values) && values.Single() == "true";
        using JsonDocument json = JsonDocument.Parse(text);
        return (response.StatusCode, json.RootElement.Clone(), replayed);
    }
}

public sealed class StandaloneIdempotencyTests(MemoryHostFixture fixture) : IdempotencyTests(fixture.Host), IClassFixture<MemoryHostFixture>;

public sealed class EmbeddedIdempotencyTests(EmbeddedHostFixture fixture) : IdempotencyTests(fixture.Host), IClassFixture<EmbeddedHostFixture>;
