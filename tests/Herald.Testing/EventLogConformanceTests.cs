using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Herald.Testing;

/// <summary>
/// The behaviour every <see cref="IEventLog"/> must have (docs/design.md: one suite, every store). A store's test class
/// derives from this and supplies the factory, the way containers subclass
/// dotnet/runtime's DependencyInjectionSpecificationTests. Stores that keep data across restarts derive from
/// <see cref="PersistentEventLogConformanceTests"/> instead, which adds the reopen tests.
/// </summary>
[SuppressMessage("Design", "CA1001", Justification = "xunit disposes tests through IAsyncLifetime.DisposeAsync, which disposes the token source.")]
public abstract class EventLogConformanceTests : IAsyncLifetime
{
    /// <summary>The longest any test waits for anything; reaching it fails the test with a message, it never passes it.</summary>
    protected static readonly TimeSpan WaitTimeout = TimeSpan.FromSeconds(30);

    private readonly List<IEventLog> _opened = [];
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(2));

    /// <summary>A token that cancels if the test runs away, so a hang becomes a failure.</summary>
    protected CancellationToken Token => _timeout.Token;

    /// <summary>Creates a new, empty store. Each call is a different store (a different file, database, key prefix …).</summary>
    protected abstract Task<IEventLog> CreateLogAsync(EventLogOptions options);

    /// <inheritdoc />
    public virtual Task InitializeAsync() => Task.CompletedTask;

    /// <inheritdoc />
    public virtual async Task DisposeAsync()
    {
        foreach (IEventLog log in _opened)
        {
            await log.DisposeAsync();
        }

        _timeout.Dispose();
    }

    /// <summary>Creates a store that is disposed with the test.</summary>
    protected async Task<IEventLog> NewLogAsync(EventLogOptions? options = null) =>
        Track(await CreateLogAsync(options ?? new EventLogOptions()));

    /// <summary>Disposes <paramref name="log"/> with the test (disposing twice is part of the contract).</summary>
    protected IEventLog Track(IEventLog log)
    {
        _opened.Add(log);
        return log;
    }

    // ---- IDs ----

    [Fact]
    public async Task Append_NewStream_GivesContiguousIdsFromOne()
    {
        IEventLog log = await NewLogAsync();

        AppendResult first = await AppendAsync(log, "s", "a");
        AppendResult second = await AppendAsync(log, "s", "b");
        AppendResult batch = await log.AppendAsync("s", [Event("c"), Event("d"), Event("e")], null, Token);
        AppendResult after = await AppendAsync(log, "s", "f");

        Assert.Equal(new AppendResult(1, 1, false), first);
        Assert.Equal(new AppendResult(2, 2, false), second);
        Assert.Equal(new AppendResult(3, 5, false), batch);
        Assert.Equal(new AppendResult(6, 6, false), after);
        Assert.Equal(new StreamInfo(1, 6), await log.GetInfoAsync("s", Token));
        Assert.Equal(["a", "b", "c", "d", "e", "f"], (await ReadAllAsync(log, "s")).Select(Text));
    }

    [Fact]
    public async Task Append_TwoStreams_NumbersEachIndependently()
    {
        IEventLog log = await NewLogAsync();

        await AppendAsync(log, "a", "a1");
        await AppendAsync(log, "a", "a2");
        AppendResult b = await AppendAsync(log, "b", "b1");
        AppendResult a = await AppendAsync(log, "a", "a3");

        Assert.Equal(1, b.First);
        Assert.Equal(3, a.First);
        Assert.Equal(new StreamInfo(1, 3), await log.GetInfoAsync("a", Token));
        Assert.Equal(new StreamInfo(1, 1), await log.GetInfoAsync("b", Token));
        Assert.Equal(["b1"], (await ReadAllAsync(log, "b")).Select(Text));
    }

    [Fact]
    public async Task Append_EightConcurrentAppenders_GivesEveryIdOnceAndKeepsEachPayload()
    {
        IEventLog log = await NewLogAsync();
        const int Writers = 8;
        const int PerWriter = 500;

        Task<(long Id, string Text)[]>[] writers = Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            var mine = new (long, string)[PerWriter];
            for (int j = 0; j < PerWriter; j++)
            {
                string text = $"w{w}-{j}";
                AppendResult result = await AppendAsync(log, "s", text);
                Assert.Equal(result.First, result.Last);
                mine[j] = (result.First, text);
            }

            return mine;
        })).ToArray();
        (long Id, string Text)[][] results = await WithinTimeout(Task.WhenAll(writers), "the concurrent appends to finish");

        Dictionary<long, string> byId = results.SelectMany(r => r).ToDictionary(r => r.Id, r => r.Text);
        Assert.Equal(Enumerable.Range(1, Writers * PerWriter).Select(i => (long)i), byId.Keys.Order());
        foreach ((long Id, string Text)[] mine in results)
        {
            // One appender awaits each append before the next, so its own IDs must rise.
            Assert.True(mine.Zip(mine.Skip(1)).All(p => p.First.Id < p.Second.Id), "an appender's sequential appends got decreasing IDs");
        }

        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, "s");
        Assert.Equal(byId.Keys.Order(), stored.Select(e => e.Id));
        Assert.All(stored, e => Assert.Equal(byId[e.Id], Text(e)));
        Assert.Equal(new StreamInfo(1, Writers * PerWriter), await log.GetInfoAsync("s", Token));
    }

    [Fact]
    public async Task Append_ConcurrentBatches_GetContiguousNonOverlappingRanges()
    {
        IEventLog log = await NewLogAsync();
        ConcurrentBag<(AppendResult Result, string[] Texts)> appends = [];

        Task[] batchers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int j = 0; j < 20; j++)
            {
                string[] texts = Enumerable.Range(0, ((w * 7) + (j * 13)) % 50 + 1).Select(k => $"b{w}-{j}-{k}").ToArray();
                AppendResult result = await log.AppendAsync("s", texts.Select(t => Event(t)).ToArray(), null, Token);
                appends.Add((result, texts));
            }
        })).ToArray();
        Task[] singles = Enumerable.Range(0, 2).Select(w => Task.Run(async () =>
        {
            for (int j = 0; j < 100; j++)
            {
                string text = $"s{w}-{j}";
                appends.Add((await AppendAsync(log, "s", text), [text]));
            }
        })).ToArray();
        await WithinTimeout(Task.WhenAll(batchers.Concat(singles)), "the concurrent batches to finish");

        long expectedFirst = 1;
        foreach ((AppendResult result, string[] texts) in appends.OrderBy(a => a.Result.First))
        {
            Assert.Equal(expectedFirst, result.First);
            Assert.Equal(texts.Length, result.Last - result.First + 1);
            expectedFirst = result.Last + 1;
        }

        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, "s");
        Assert.Equal(expectedFirst - 1, stored.Count);
        foreach ((AppendResult result, string[] texts) in appends)
        {
            Assert.Equal(texts, stored.Skip((int)result.First - 1).Take(texts.Length).Select(Text));
        }
    }

    [Fact]
    public async Task Append_EmptyBatch_Throws()
    {
        IEventLog log = await NewLogAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => log.AppendAsync("s", [], null, Token));
        Assert.Equal(new StreamInfo(null, 0), await log.GetInfoAsync("s", Token));
    }

    // ---- Reads ----

    [Theory]
    [InlineData(0, 100, 1, 10)]
    [InlineData(0, 1, 1, 1)]
    [InlineData(0, 3, 1, 3)]
    [InlineData(4, 100, 5, 6)]
    [InlineData(4, 2, 5, 2)]
    [InlineData(5, int.MaxValue, 6, 5)]
    [InlineData(9, 100, 10, 1)]
    [InlineData(10, 100, 0, 0)]
    [InlineData(11, 100, 0, 0)]
    [InlineData(long.MaxValue, 1, 0, 0)]
    public async Task Read_AfterPosition_ReturnsFollowingEventsUpToMax(long after, int max, long expectedFirst, int expectedCount)
    {
        IEventLog log = await NewLogAsync();
        await log.AppendAsync("s", Enumerable.Range(1, 10).Select(i => Event($"e{i}")).ToArray(), null, Token);

        IReadOnlyList<StoredEvent> events = await log.ReadAsync("s", after, max, Token);

        Assert.Equal(Enumerable.Range(0, expectedCount).Select(i => expectedFirst + i), events.Select(e => e.Id));
        Assert.All(events, e => Assert.Equal($"e{e.Id}", Text(e)));
    }

    [Theory]
    [InlineData(1000, 2)] // 800 bytes fit, the third event would make 1,200: the page ends before it
    [InlineData(800, 2)]  // exactly at the limit
    [InlineData(1200, 3)]
    [InlineData(100, 1)]  // a page always holds its first event, however large
    public async Task Read_WithAByteLimit_EndsBeforeTheEventThatWouldExceedItButKeepsTheFirst(long maxBytes, int expectedCount)
    {
        IEventLog log = await NewLogAsync();
        for (int i = 0; i < 4; i++)
        {
            await AppendAsync(log, "s", new string((char)('a' + i), 400));
        }

        IReadOnlyList<StoredEvent> events = await log.ReadAsync("s", 0, 10, maxBytes, Token);

        Assert.Equal(Enumerable.Range(1, expectedCount).Select(i => (long)i), events.Select(e => e.Id));
        Assert.True(expectedCount == 1 || events.Sum(e => e.Data.Length) <= maxBytes);
    }

    [Fact]
    public async Task Read_UnknownStream_ReturnsNothing()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "other", "x");

        Assert.Empty(await log.ReadAsync("s", 0, 100, Token));
    }

    [Fact]
    public async Task Read_InvalidArguments_Throw()
    {
        IEventLog log = await NewLogAsync();

        await Assert.ThrowsAnyAsync<ArgumentException>(() => log.ReadAsync("s", -1, 10, Token));
        await Assert.ThrowsAnyAsync<ArgumentException>(() => log.ReadAsync("s", 0, 0, Token));
    }

    [Fact]
    public async Task Append_TypesAndPayloads_RoundTripExactly()
    {
        IEventLog log = await NewLogAsync();
        byte[] big = new byte[256 * 1024];
        new Random(42).NextBytes(big);
        byte[] padded = [0xEE, 0xEE, (byte)'m', (byte)'i', (byte)'d', 0xEE];
        EventData[] events =
        [
            new(null, "plain"u8.ToArray()),
            new("greeting", Encoding.UTF8.GetBytes("héllo wörld ✓ 😀 日本語")),
            new("t.y:p-e_1", "a\0b\0"u8.ToArray()),
            new(null, "line1\nline2\n\nline4\n"u8.ToArray()),
            new("empty", Array.Empty<byte>()),
            new("big", big),
            new(null, Enumerable.Range(0, 256).Select(i => (byte)i).ToArray()),
            new("slice", new ReadOnlyMemory<byte>(padded, 2, 3)),
        ];

        AppendResult batch = await log.AppendAsync("s", events, null, Token);
        AppendResult single = await log.AppendAsync("s", [new EventData("één", Encoding.UTF8.GetBytes("NUL\0 and ünïcode"))], null, Token);

        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, "s");
        Assert.Equal(events.Length + 1, stored.Count);
        Assert.Equal((1, events.Length), (batch.First, batch.Last));
        for (int i = 0; i < events.Length; i++)
        {
            Assert.Equal(i + 1, stored[i].Id);
            Assert.Equal(events[i].EventType, stored[i].EventType);
            Assert.Equal(events[i].Data.ToArray(), stored[i].Data.ToArray());
        }

        Assert.Equal(single.First, stored[^1].Id);
        Assert.Equal("één", stored[^1].EventType);
        Assert.Equal("NUL\0 and ünïcode", Text(stored[^1]));
        Assert.Equal("mid", Text(stored[^2]));
        Assert.Null(stored[0].EventType);
    }

    // ---- Retention ----

    [Fact]
    public async Task Retention_MoreThanRetentionPlusSlack_TrimsOldestAndKeepsAtLeastRetention()
    {
        var options = new EventLogOptions { Retention = 10 };
        IEventLog log = await NewLogAsync(options);

        for (int i = 1; i <= 50; i++)
        {
            await AppendAsync(log, "s", $"e{i}");
        }

        await AssertRetainedAsync(log, "s", last: 50, retention: 10);

        await log.AppendAsync("s", Enumerable.Range(51, 50).Select(i => Event($"e{i}")).ToArray(), null, Token);
        await AssertRetainedAsync(log, "s", last: 100, retention: 10);

        // Another stream is trimmed on its own account, not because of "s".
        await AppendAsync(log, "t", "t1");
        Assert.Equal(new StreamInfo(1, 1), await log.GetInfoAsync("t", Token));
    }

    [Fact]
    public async Task Retention_AllOlderRowsTrimmed_LastStaysAndNextAppendContinues()
    {
        IEventLog log = await NewLogAsync(new EventLogOptions { Retention = 1 });

        for (int i = 1; i <= 10; i++)
        {
            await AppendAsync(log, "s", $"e{i}");
        }

        await log.AppendAsync("s", Enumerable.Range(11, 20).Select(i => Event($"e{i}")).ToArray(), null, Token);
        StreamInfo info = await log.GetInfoAsync("s", Token);
        Assert.Equal(30, info.Last);
        Assert.InRange(info.First ?? 0, 2, 30);

        AppendResult next = await AppendAsync(log, "s", "e31");

        Assert.Equal(new AppendResult(31, 31, false), next);
        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, "s");
        Assert.Equal(31, stored[^1].Id);
        Assert.Equal("e31", Text(stored[^1]));
        Assert.Equal(31, (await log.GetInfoAsync("s", Token)).Last);
    }

    // ---- Idempotency ----

    [Fact]
    public async Task Append_RepeatedKey_ReplaysOriginalIdsAndAppendsNothing()
    {
        IEventLog log = await NewLogAsync();

        AppendResult original = await log.AppendAsync("s", [Event("a"), Event("b")], "key-1", Token);
        AppendResult plain = await AppendAsync(log, "s", "c");
        AppendResult single = await log.AppendAsync("s", [Event("other")], "key-1", Token);
        AppendResult batch = await log.AppendAsync("s", [Event("x"), Event("y"), Event("z")], "key-1", Token);

        Assert.Equal(new AppendResult(1, 2, false), original);
        Assert.Equal(3, plain.First);
        Assert.Equal(new AppendResult(1, 2, true), single);
        Assert.Equal(new AppendResult(1, 2, true), batch);
        Assert.Equal(new StreamInfo(1, 3), await log.GetInfoAsync("s", Token));
        Assert.Equal(["a", "b", "c"], (await ReadAllAsync(log, "s")).Select(Text));
    }

    [Fact]
    public async Task Append_SameKeyOnAnotherStream_AppendsIndependently()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "a", "a1");
        await AppendAsync(log, "a", "a2", "k");

        AppendResult other = await AppendAsync(log, "b", "b1", "k");
        AppendResult again = await AppendAsync(log, "a", "a3", "k");

        Assert.Equal(new AppendResult(1, 1, false), other);
        Assert.Equal(new AppendResult(2, 2, true), again);
        Assert.Equal(["b1"], (await ReadAllAsync(log, "b")).Select(Text));
    }

    [Fact]
    public async Task Append_BatchKeyRepeatedAsSingle_ReplaysBatchRange()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "s", "first");

        AppendResult batch = await log.AppendAsync("s", [Event("a"), Event("b"), Event("c")], "shared", Token);
        AppendResult single = await AppendAsync(log, "s", "d", "shared");

        Assert.Equal(new AppendResult(2, 4, false), batch);
        Assert.Equal(new AppendResult(2, 4, true), single);
        Assert.Equal(4, (await log.GetInfoAsync("s", Token)).Last);
    }

    [Fact]
    public async Task Append_SameKeyConcurrently_AppendsOnce()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "s", "before");

        // Started together, so a store that commits in groups sees them in one batch.
        Task<AppendResult>[] tasks = Enumerable.Range(0, 16)
            .Select(i => log.AppendAsync("s", [Event($"try{i}"), Event($"try{i}b")], "same", Token))
            .ToArray();
        AppendResult[] results = await WithinTimeout(Task.WhenAll(tasks), "the keyed appends to finish");

        Assert.Single(results, r => !r.Replayed);
        Assert.All(results, r => Assert.Equal((2L, 3L), (r.First, r.Last)));
        Assert.Equal(new StreamInfo(1, 3), await log.GetInfoAsync("s", Token));
        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, "s");
        Assert.Equal(3, stored.Count);
        Assert.Equal(Text(stored[1]) + "b", Text(stored[2]));
    }

    [Fact]
    public async Task Append_KeyOlderThanWindow_AppendsAnew()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        IEventLog log = await NewLogAsync(new EventLogOptions { IdempotencyWindow = TimeSpan.FromHours(1), TimeProvider = clock });

        AppendResult original = await AppendAsync(log, "s", "a", "k");
        clock.Advance(TimeSpan.FromMinutes(59));
        AppendResult withinWindow = await AppendAsync(log, "s", "b", "k");
        clock.Advance(TimeSpan.FromMinutes(2));
        AppendResult afterWindow = await AppendAsync(log, "s", "c", "k");
        AppendResult repeat = await AppendAsync(log, "s", "d", "k");

        Assert.Equal(new AppendResult(1, 1, false), original);
        Assert.Equal(new AppendResult(1, 1, true), withinWindow);
        Assert.Equal(new AppendResult(2, 2, false), afterWindow);
        Assert.Equal(new AppendResult(2, 2, true), repeat);
        Assert.Equal(["a", "c"], (await ReadAllAsync(log, "s")).Select(Text));
    }

    // ---- Notifications (IEventLog.Watch) ----

    [Fact]
    public async Task Watch_AppendsAfterWatching_ReportedOnceEachInIdOrderOnlyForTheWatchedStream()
    {
        IEventLog log = await NewLogAsync();
        var observer = new RecordingAppendObserver();
        using IDisposable watch = log.Watch("s", observer);

        await AppendAsync(log, "s", "a");
        await log.AppendAsync("s", [new EventData("t", "b"u8.ToArray()), Event("c")], "k", Token);
        await AppendAsync(log, "other", "o");
        await AppendAsync(log, "s", "replayed", "k");
        await AppendAsync(log, "s", "d");

        await WithinTimeout(observer.WaitForAsync(4), "the watched appends to be reported");
        StoredEvent[] seen = observer.Events;
        Assert.Equal([1L, 2L, 3L, 4L], seen.Select(e => e.Id));
        Assert.Equal(["a", "b", "c", "d"], seen.Select(Text));
        Assert.Equal([null, "t", null, null], seen.Select(e => e.EventType));
        Assert.All(observer.Streams, name => Assert.Equal("s", name));
    }

    [Fact]
    public async Task Watch_ConcurrentAppenders_ReportedInIdOrderOnceEach()
    {
        IEventLog log = await NewLogAsync();
        var observer = new RecordingAppendObserver();
        using IDisposable watch = log.Watch("s", observer);

        Task[] writers = Enumerable.Range(0, 4).Select(w => Task.Run(async () =>
        {
            for (int j = 0; j < 100; j++)
            {
                await log.AppendAsync("s", j % 3 == 0 ? [Event("x"), Event("y")] : [Event("x")], null, Token);
            }
        })).ToArray();
        await WithinTimeout(Task.WhenAll(writers), "the appends to finish");

        long last = (await log.GetInfoAsync("s", Token)).Last;
        await WithinTimeout(observer.WaitForAsync(last), "every append to be reported");
        Assert.Equal(Enumerable.Range(1, (int)last).Select(i => (long)i), observer.Events.Select(e => e.Id));
    }

    [Fact]
    public async Task Watch_HandleDisposed_ThatObserverHearsNothingMoreWhileOthersDo()
    {
        IEventLog log = await NewLogAsync();
        var leaving = new RecordingAppendObserver();
        var staying = new RecordingAppendObserver();
        IDisposable leavingWatch = log.Watch("s", leaving);
        using IDisposable stayingWatch = log.Watch("s", staying);
        await AppendAsync(log, "s", "1");
        await WithinTimeout(leaving.WaitForAsync(1), "the first append to reach the leaving observer");

        leavingWatch.Dispose();
        leavingWatch.Dispose(); // twice is harmless
        await AppendAsync(log, "s", "2");
        await WithinTimeout(staying.WaitForAsync(2), "the second append to reach the staying observer");

        // Both observers of a stream hear an append in one report, so by now the leaving one would have heard it too.
        Assert.Equal([1L], leaving.Events.Select(e => e.Id));
        Assert.Equal([1L, 2L], staying.Events.Select(e => e.Id));
    }

    // ---- Info, epoch, lifecycle ----

    [Fact]
    public async Task GetInfo_UnknownStream_IsNullAndZero()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "other", "x");

        Assert.Equal(new StreamInfo(null, 0), await log.GetInfoAsync("s", Token));
    }

    [Fact]
    public async Task Epoch_NewStore_IsNonEmptyStableAndUnique()
    {
        IEventLog log = await NewLogAsync();
        string epoch = log.Epoch;
        await AppendAsync(log, "s", "a");

        IEventLog another = await NewLogAsync();

        Assert.False(string.IsNullOrWhiteSpace(epoch));
        Assert.Equal(epoch, log.Epoch);
        Assert.NotEqual(epoch, another.Epoch);
    }

    [Fact]
    public async Task Dispose_ThenAppend_ThrowsUnavailableAndIsNotReady()
    {
        IEventLog log = await NewLogAsync();
        Assert.True(await log.IsReadyAsync(Token));

        await log.DisposeAsync();
        await log.DisposeAsync();

        Assert.False(await log.IsReadyAsync(Token));
        await Assert.ThrowsAsync<EventLogUnavailableException>(() => AppendAsync(log, "s", "late"));
    }

    // ---- Listing ----

    [Fact]
    public async Task ListStreams_EmptyStore_ReturnsNothing()
    {
        IEventLog log = await NewLogAsync();

        Assert.Empty(await log.ListStreamsAsync(null, 100, Token));
    }

    [Fact]
    public async Task ListStreams_SeveralStreams_ListsEachOnceInOrdinalOrderWithFirstAndLast()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "b", "b1");
        await log.AppendAsync("a", [Event("a1"), Event("a2"), Event("a3")], null, Token);
        await AppendAsync(log, "B", "B1");
        await AppendAsync(log, "a-1", "x");
        await AppendAsync(log, "b", "b2");

        IReadOnlyList<StreamSummary> all = await log.ListStreamsAsync(null, 100, Token);

        // Ordinal: upper case before lower case, '-' before letters and digits.
        Assert.Equal(
            [new StreamSummary("B", 1, 1), new StreamSummary("a", 1, 3), new StreamSummary("a-1", 1, 1), new StreamSummary("b", 1, 2)],
            all);
    }

    [Theory]
    [InlineData(null, 2, new[] { "B", "a" })]
    [InlineData("a", 2, new[] { "a-1", "b" })]
    [InlineData("a0", 10, new[] { "b", "c" })] // a name that is not a stream still positions the page
    [InlineData("b", 5, new[] { "c" })]
    [InlineData("c", 5, new string[0])]
    public async Task ListStreams_AfterAndMax_ReturnsThePageAfterTheName(string? after, int max, string[] expected)
    {
        IEventLog log = await NewLogAsync();
        foreach (string stream in new[] { "c", "a-1", "b", "B", "a" })
        {
            await AppendAsync(log, stream, "x");
        }

        IReadOnlyList<StreamSummary> page = await log.ListStreamsAsync(after, max, Token);

        Assert.Equal(expected, page.Select(s => s.Name));
    }

    [Fact]
    public async Task ListStreams_TrimmedStream_ReportsFirstRetainedAndLastGiven()
    {
        IEventLog log = await NewLogAsync(new EventLogOptions { Retention = 1 });
        await log.AppendAsync("s", Enumerable.Range(1, 30).Select(i => Event($"e{i}")).ToArray(), null, Token);

        StreamSummary listed = Assert.Single(await log.ListStreamsAsync(null, 10, Token));

        Assert.Equal("s", listed.Name);
        Assert.Equal(30, listed.Last);
        Assert.Equal((await log.GetInfoAsync("s", Token)).First, listed.First);
    }

    [Fact]
    public async Task ListStreams_MaxNotPositive_Throws()
    {
        IEventLog log = await NewLogAsync();

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => log.ListStreamsAsync(null, 0, Token));
    }

    // ---- Helpers ----

    /// <summary>An event with a UTF-8 payload.</summary>
    protected static EventData Event(string data, string? type = null) => new(type, Encoding.UTF8.GetBytes(data));

    /// <summary>The payload of <paramref name="e"/> as text.</summary>
    protected static string Text(StoredEvent e) => Encoding.UTF8.GetString(e.Data.Span);

    /// <summary>Appends one event.</summary>
    protected Task<AppendResult> AppendAsync(IEventLog log, string stream, string data, string? key = null) =>
        log.AppendAsync(stream, [Event(data)], key, Token);

    /// <summary>Every retained event after <paramref name="after"/>, read in pages as a cursor would.</summary>
    protected async Task<IReadOnlyList<StoredEvent>> ReadAllAsync(IEventLog log, string stream, long after = 0)
    {
        List<StoredEvent> all = [];
        while (true)
        {
            IReadOnlyList<StoredEvent> page = await log.ReadAsync(stream, after, 1000, Token);
            if (page.Count == 0)
            {
                return all;
            }

            all.AddRange(page);
            after = page[^1].Id;
        }
    }

    /// <summary>Awaits <paramref name="task"/>, failing with a message instead of hanging.</summary>
    protected static async Task WithinTimeout(Task task, string what)
    {
        try
        {
            await task.WaitAsync(WaitTimeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Timed out after {WaitTimeout} waiting for {what}.");
        }
    }

    /// <inheritdoc cref="WithinTimeout(Task, string)"/>
    protected static async Task<T> WithinTimeout<T>(Task<T> task, string what)
    {
        await WithinTimeout((Task)task, what);
        return await task;
    }

    private async Task AssertRetainedAsync(IEventLog log, string stream, long last, long retention)
    {
        StreamInfo info = await log.GetInfoAsync(stream, Token);
        Assert.Equal(last, info.Last);
        Assert.NotNull(info.First);
        Assert.True(info.First > 1, $"nothing was trimmed: first is {info.First}");
        Assert.True(info.First <= last - retention + 1, $"fewer than {retention} events kept: first is {info.First}, last {last}");

        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(log, stream);
        Assert.Equal(info.First, stored[0].Id);
        Assert.Equal(Enumerable.Range(0, stored.Count).Select(i => info.First.Value + i), stored.Select(e => e.Id));
        Assert.Equal(last, stored[^1].Id);
        Assert.All(stored, e => Assert.Equal($"e{e.Id}", Text(e)));
    }
}
