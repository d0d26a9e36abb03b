using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Text.Json.Nodes;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;

namespace Herald.ModelContextProtocol.Tests;

/// <summary>The event-stream store against real SQLite files, conformance style: what any resume may rely on.</summary>
public sealed class HeraldEventStreamStoreTests
{
    private const string Session = "A2SFd3vw1R3bHdbhSfywHg";

    [Fact]
    public async Task Ids_round_trip_and_a_reader_after_each_one_gets_exactly_the_later_items_in_order()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        List<SseItem<JsonRpcMessage?>> written = [];
        await using (ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default))
        {
            written.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(null, "prime"), default));
            for (int i = 1; i <= 10; i++)
            {
                written.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(i), "message"), default));
            }
        }

        Assert.Equal(written.Count, written.Select(w => w.EventId).Distinct().Count());
        for (int k = 0; k < written.Count; k++)
        {
            ISseEventStreamReader? reader = await store.GetStreamReaderAsync(written[k].EventId!, default);
            Assert.NotNull(reader);
            List<SseItem<JsonRpcMessage?>> read = await ReadAllAsync(reader);
            Assert.Equal(Describe(written.Skip(k + 1)), Describe(read));
        }
    }

    [Fact]
    public async Task A_reader_names_the_session_and_stream_the_writer_was_created_for()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        await using ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("request \"7\""), default);
        SseItem<JsonRpcMessage?> item = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(1), "message"), default);

        ISseEventStreamReader? reader = await store.GetStreamReaderAsync(item.EventId!, default);

        Assert.NotNull(reader);
        Assert.Equal(Session, reader.SessionId);
        Assert.Equal("request \"7\"", reader.StreamId);
    }

    [Fact]
    public async Task Items_written_before_the_file_was_closed_are_resumed_from_after_it_was_reopened()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);

        // The writer is never disposed, as in a crash; its last item is the call's response, which ends the stream.
        ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default);
        List<SseItem<JsonRpcMessage?>> written = [];
        for (int i = 1; i <= 5; i++)
        {
            written.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(i), "message"), default));
        }

        written.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Response(2), "message"), default));

        await sqlite.ReopenAsync();
        HeraldEventStreamStore restarted = new(sqlite.Log);
        ISseEventStreamReader? reader = await restarted.GetStreamReaderAsync(written[1].EventId!, default);

        Assert.NotNull(reader);
        Assert.Equal(Describe(written.Skip(2)), Describe(await ReadAllAsync(reader)));
    }

    [Fact]
    public async Task A_streaming_reader_gets_items_written_after_it_started_and_ends_when_the_writer_is_disposed()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        ISseEventStreamWriter writer = await store.CreateStreamAsync(Options(StreamableHttpServerTransport.UnsolicitedMessageStreamId), default);
        SseItem<JsonRpcMessage?> first = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(null, "prime"), default);
        ISseEventStreamReader reader = (await store.GetStreamReaderAsync(first.EventId!, default))!;
        Task<List<SseItem<JsonRpcMessage?>>> reading = ReadAllAsync(reader);

        List<SseItem<JsonRpcMessage?>> later = [];
        for (int i = 1; i <= 3; i++)
        {
            later.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(i), "message"), default));
        }

        Assert.False(reading.IsCompleted, "A streaming reader ended before its writer did.");
        await writer.DisposeAsync();

        Assert.Equal(Describe(later), Describe(await reading.WaitAsync(TestTimeouts.Bulk)));
    }

    [Fact]
    public async Task A_polling_reader_gets_what_is_stored_and_ends_without_waiting_for_the_writer()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default);
        SseItem<JsonRpcMessage?> first = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(1), "message"), default);
        SseItem<JsonRpcMessage?> priming = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(null, "message") { ReconnectionInterval = TimeSpan.FromSeconds(3) }, default);
        await writer.SetModeAsync(SseEventStreamMode.Polling, default);

        List<SseItem<JsonRpcMessage?>> read = await ReadAllAsync((await store.GetStreamReaderAsync(first.EventId!, default))!);
        List<SseItem<JsonRpcMessage?>> afterPriming = await ReadAllAsync((await store.GetStreamReaderAsync(priming.EventId!, default))!);

        Assert.Equal(Describe([priming]), Describe(read));
        Assert.Equal(TimeSpan.FromSeconds(3), read[0].ReconnectionInterval);
        Assert.Empty(afterPriming);
    }

    [Fact]
    public async Task An_item_that_already_has_an_id_is_returned_as_it_is_and_not_stored_again()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        await using ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default);
        SseItem<JsonRpcMessage?> stored = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(1), "message"), default);
        string stream = ((HeraldEventStreamWriter)writer).Stream;
        long last = (await sqlite.Log.GetInfoAsync(stream, default)).Last;

        SseItem<JsonRpcMessage?> again = await writer.WriteEventAsync(stored, default);

        Assert.Equal(stored.EventId, again.EventId);
        Assert.Equal(last, (await sqlite.Log.GetInfoAsync(stream, default)).Last);
    }

    [Fact]
    public async Task A_stream_created_again_under_the_same_ids_does_not_leak_into_readers_of_the_earlier_one()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        ISseEventStreamWriter earlier = await store.CreateStreamAsync(Options("1"), default);
        SseItem<JsonRpcMessage?> seen = await earlier.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(1), "message"), default);
        SseItem<JsonRpcMessage?> unseen = await earlier.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(2), "message"), default);

        // A client that restarts its request IDs at 1 in the same session: the earlier writer is gone without an end.
        await using ISseEventStreamWriter later = await store.CreateStreamAsync(Options("1"), default);
        await later.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(100), "message"), default);

        List<SseItem<JsonRpcMessage?>> read = await ReadAllAsync((await store.GetStreamReaderAsync(seen.EventId!, default))!);

        Assert.Equal(Describe([unseen]), Describe(read));
    }

    [Fact]
    public async Task A_resume_is_refused_once_retention_trimmed_the_stream_start()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync(new EventLogOptions { Retention = 4 });
        HeraldEventStreamStore store = new(sqlite.Log);
        await using ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default);
        List<SseItem<JsonRpcMessage?>> written = [];
        for (int i = 1; i <= 20; i++)
        {
            written.Add(await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(i), "message"), default));
        }

        string stream = ((HeraldEventStreamWriter)writer).Stream;
        Assert.True((await sqlite.Log.GetInfoAsync(stream, default)).First > 1, "Retention did not trim the stream; the test proves nothing.");

        Assert.Null(await store.GetStreamReaderAsync(written[^2].EventId!, default));
    }

    [Fact]
    public async Task Ids_the_store_never_issued_are_refused()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        HeraldEventStreamStore store = new(sqlite.Log);
        await using ISseEventStreamWriter writer = await store.CreateStreamAsync(Options("2"), default);
        SseItem<JsonRpcMessage?> item = await writer.WriteEventAsync(new SseItem<JsonRpcMessage?>(Progress(1), "message"), default);
        Assert.True(McpEventIds.TryParse(item.EventId, out string stream, out long position));

        Assert.NotNull(await store.GetStreamReaderAsync(item.EventId!, default));
        Assert.Null(await store.GetStreamReaderAsync(McpEventIds.Format(stream, position + 1), default)); // past the end
        Assert.Null(await store.GetStreamReaderAsync(McpEventIds.Format(stream, 1), default)); // the open record: never handed out
        Assert.Null(await store.GetStreamReaderAsync(McpEventIds.Format(McpStreamNames.ForEventStream(Session, "never"), 2), default));
        Assert.Null(await store.GetStreamReaderAsync("not-an-id", default));
    }

    private static SseEventStreamOptions Options(string streamId) => new() { SessionId = Session, StreamId = streamId, Mode = SseEventStreamMode.Streaming };

    private static JsonRpcNotification Progress(int step) => new()
    {
        Method = "notifications/progress",
        Params = new JsonObject { ["progressToken"] = "t", ["progress"] = step },
    };

    private static JsonRpcResponse Response(int id) => new() { Id = new RequestId(id), Result = new JsonObject { ["done"] = true } };

    private static async Task<List<SseItem<JsonRpcMessage?>>> ReadAllAsync(ISseEventStreamReader reader)
    {
        using CancellationTokenSource timeout = new(TestTimeouts.Bulk);
        List<SseItem<JsonRpcMessage?>> items = [];
        await foreach (SseItem<JsonRpcMessage?> item in reader.ReadEventsAsync(timeout.Token))
        {
            items.Add(item);
        }

        return items;
    }

    /// <summary>ID, event type and JSON of each item: what a client receives.</summary>
    private static List<string> Describe(IEnumerable<SseItem<JsonRpcMessage?>> items) =>
        [.. items.Select(i => $"{i.EventId} {i.EventType} {(i.Data is null ? "-" : JsonSerializer.Serialize(i.Data, McpJsonUtilities.DefaultOptions))}")];
}
