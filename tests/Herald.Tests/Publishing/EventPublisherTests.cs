using System.Diagnostics.Metrics;
using System.Text;
using Herald.Hosting;
using Herald.Publishing;
using Herald.Tests.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Herald.Tests.Publishing;

/// <summary>
/// <see cref="IEventPublisher"/> checks its input as docs/protocol.md "Publish" does over HTTP, appends through the store like an
/// HTTP publish (IDs, idempotency, line breaks) and moves the same metrics.
/// </summary>
public sealed class EventPublisherTests : IAsyncDisposable
{
    private readonly MemoryEventLog _log = new(new EventLogOptions());
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly HeraldMetrics _metrics;
    private readonly MeterRecorder _recorded;

    public EventPublisherTests()
    {
        IMeterFactory meters = _services.GetRequiredService<IMeterFactory>();
        _recorded = new MeterRecorder(meters);
        _metrics = new HeraldMetrics(meters);
    }

    public async ValueTask DisposeAsync()
    {
        _recorded.Dispose();
        await _services.DisposeAsync();
        await _log.DisposeAsync();
    }

    [Fact]
    public async Task Publish_Single_ReturnsNextIdAndStoresNormalizedData()
    {
        EventPublisher publisher = Publisher();

        AppendResult first = await publisher.PublishAsync("orders", "a\r\nb\rc", eventType: "order-placed");
        AppendResult second = await publisher.PublishAsync("orders", "{}");

        Assert.Equal(new AppendResult(1, 1, false), first);
        Assert.Equal(new AppendResult(2, 2, false), second);
        IReadOnlyList<StoredEvent> stored = await _log.ReadAsync("orders", 0, 10, CancellationToken.None);
        Assert.Equal("a\nb\nc", Encoding.UTF8.GetString(stored[0].Data.Span));
        Assert.Equal("order-placed", stored[0].EventType);
        Assert.Null(stored[1].EventType);
    }

    [Fact]
    public async Task Publish_Batch_IsContiguousAndKeepsEachType()
    {
        EventPublisher publisher = Publisher();
        await publisher.PublishAsync("b", "before");

        AppendResult result = await publisher.PublishBatchAsync("b", [new EventToPublish("x"), new EventToPublish("y", "kind.y"), new EventToPublish("z")]);

        Assert.Equal(new AppendResult(2, 4, false), result);
        IReadOnlyList<StoredEvent> stored = await _log.ReadAsync("b", 1, 10, CancellationToken.None);
        Assert.Equal([null, "kind.y", null], stored.Select(e => e.EventType));
    }

    [Fact]
    public async Task Publish_SameIdempotencyKey_ReturnsOriginalIdsAndCountsAReplay()
    {
        EventPublisher publisher = Publisher();

        AppendResult original = await publisher.PublishBatchAsync("idem", [new EventToPublish("a"), new EventToPublish("b")], idempotencyKey: "k-1");
        AppendResult replay = await publisher.PublishAsync("idem", "different", idempotencyKey: "k-1");

        Assert.Equal(new AppendResult(1, 2, false), original);
        Assert.Equal(new AppendResult(1, 2, true), replay);
        Assert.Equal(2, (await _log.GetInfoAsync("idem", CancellationToken.None)).Last);
        Assert.Equal(2, _recorded.Sum("herald.events.published"));
        Assert.Equal(1, _recorded.Sum("herald.idempotent_replays"));
        Assert.Equal(2, _recorded.Count("herald.append.duration"));
    }

    [Theory]
    [InlineData("", "x", null, null, "stream")]
    [InlineData(".hidden", "x", null, null, "stream")]
    [InlineData("has space", "x", null, null, "stream")]
    [InlineData("s", "", null, null, "data")]
    [InlineData("s", "x", "", null, "eventType")]
    [InlineData("s", "x", "bad type", null, "eventType")]
    [InlineData("s", "x", null, "", "idempotencyKey")]
    [InlineData("s", "x", null, "has space", "idempotencyKey")]
    public async Task Publish_InvalidArgument_ThrowsNamingItAndAppendsNothing(string stream, string data, string? eventType, string? key, string parameter)
    {
        ArgumentException ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => Publisher().PublishAsync(stream, data, eventType, key));

        Assert.Equal(parameter, ex.ParamName);
        Assert.Equal(0, _recorded.Sum("herald.events.published"));
    }

    [Fact]
    public async Task Publish_LoneSurrogate_IsNotText()
    {
        // Built at run time: a lone surrogate in an attribute argument does not survive into the test's metadata.
        string data = "ok" + (char)0xD800;

        ArgumentException ex = await Assert.ThrowsAsync<ArgumentException>(() => Publisher().PublishAsync("s", data));

        Assert.Equal("data", ex.ParamName);
    }

    [Fact]
    public async Task Publish_NullArguments_ThrowArgumentNullException()
    {
        EventPublisher publisher = Publisher();

        await Assert.ThrowsAsync<ArgumentNullException>(() => publisher.PublishAsync(null!, "x"));
        await Assert.ThrowsAsync<ArgumentNullException>(() => publisher.PublishAsync("s", (string)null!));
        await Assert.ThrowsAsync<ArgumentNullException>(() => publisher.PublishBatchAsync("s", (IEnumerable<EventToPublish>)null!));
    }

    [Fact]
    public async Task Publish_OverTheConfiguredLimits_ThrowsNamingTheOption()
    {
        EventPublisher publisher = Publisher(o =>
        {
            o.MaxEventBytes = 4;
            o.MaxBatchEvents = 2;
            o.MaxBatchBytes = 5;
        });

        ArgumentException single = await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishAsync("s", "12345"));
        ArgumentException count = await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishBatchAsync("s", [new("a"), new("b"), new("c")]));
        ArgumentException bytes = await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishBatchAsync("s", [new("abc"), new("def")]));
        ArgumentException empty = await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishBatchAsync("s", Array.Empty<EventToPublish>()));
        ArgumentException badType = await Assert.ThrowsAsync<ArgumentException>(() => publisher.PublishBatchAsync("s", [new("a"), new("b", "no spaces")]));

        Assert.Contains(nameof(HeraldOptions.MaxEventBytes), single.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(HeraldOptions.MaxBatchEvents), count.Message, StringComparison.Ordinal);
        Assert.Contains(nameof(HeraldOptions.MaxBatchBytes), bytes.Message, StringComparison.Ordinal);
        Assert.Equal("events", empty.ParamName);
        Assert.Equal("events[1].EventType", badType.ParamName);
        Assert.Equal(0, (await _log.GetInfoAsync("s", CancellationToken.None)).Last);
    }

    [Fact]
    public async Task Publish_CancelledBeforehand_AppendsNothing()
    {
        using CancellationTokenSource cancelled = new();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Publisher().PublishAsync("c", "x", cancellationToken: cancelled.Token));

        Assert.Equal(0, (await _log.GetInfoAsync("c", CancellationToken.None)).Last);
    }

    private EventPublisher Publisher(Action<HeraldOptions>? configure = null)
    {
        HeraldOptions options = new();
        configure?.Invoke(options);
        return new EventPublisher(_log, Options.Create(options), _metrics);
    }
}
