using Microsoft.Extensions.Time.Testing;
using Xunit;

namespace Herald.Testing;

/// <summary>
/// The conformance suite plus what a durable store must keep across a restart (docs/protocol.md: IDs never reused or reset,
/// across restarts; a wiped store has a new epoch). The memory store has no such section.
/// </summary>
public abstract class PersistentEventLogConformanceTests : EventLogConformanceTests
{
    /// <summary>Opens again the store that <see cref="EventLogConformanceTests.CreateLogAsync"/> created last; the test disposed it first.</summary>
    protected abstract Task<IEventLog> ReopenLogAsync(EventLogOptions options);

    /// <summary>Wipes the store that was created last (the test disposed it first), so that reopening starts an empty one.</summary>
    protected abstract Task DeleteStoreAsync();

    /// <summary>Reopens the last store and disposes it with the test.</summary>
    protected async Task<IEventLog> ReopenAsync(EventLogOptions? options = null) =>
        Track(await ReopenLogAsync(options ?? new EventLogOptions()));

    [Fact]
    public async Task Reopen_AfterDispose_KeepsEventsLastKeysAndEpoch()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "s", "a");
        await log.AppendAsync("s", [Event("b", "t"), Event("c")], "k", Token);
        await AppendAsync(log, "other", "o");
        string epoch = log.Epoch;
        await log.DisposeAsync();

        IEventLog reopened = await ReopenAsync();

        Assert.Equal(epoch, reopened.Epoch);
        Assert.Equal(new StreamInfo(1, 3), await reopened.GetInfoAsync("s", Token));
        IReadOnlyList<StoredEvent> stored = await ReadAllAsync(reopened, "s");
        Assert.Equal(["a", "b", "c"], stored.Select(Text));
        Assert.Equal("t", stored[1].EventType);
        Assert.Equal(new AppendResult(2, 3, true), await AppendAsync(reopened, "s", "again", "k"));
        Assert.Equal(new AppendResult(4, 4, false), await AppendAsync(reopened, "s", "d"));
        Assert.Equal(new AppendResult(2, 2, false), await AppendAsync(reopened, "other", "o2"));
    }

    [Fact]
    public async Task Reopen_AfterDispose_ListsTheSameStreams()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "s", "a");
        await AppendAsync(log, "s", "b");
        await AppendAsync(log, "other", "o");
        await log.DisposeAsync();

        IEventLog reopened = await ReopenAsync();

        Assert.Equal([new StreamSummary("other", 1, 1), new StreamSummary("s", 1, 2)], await reopened.ListStreamsAsync(null, 10, Token));
    }

    [Fact]
    public async Task Reopen_AfterRetentionTrimmedHistory_ContinuesAfterLast()
    {
        var options = new EventLogOptions { Retention = 2 };
        IEventLog log = await NewLogAsync(options);
        for (int i = 1; i <= 20; i++)
        {
            await AppendAsync(log, "s", $"e{i}");
        }

        await log.DisposeAsync();
        IEventLog reopened = await ReopenAsync(options);
        StreamInfo info = await reopened.GetInfoAsync("s", Token);
        AppendResult next = await AppendAsync(reopened, "s", "e21");

        Assert.Equal(20, info.Last);
        Assert.InRange(info.First ?? 0, 2, 19);
        Assert.Equal(new AppendResult(21, 21, false), next);
    }

    [Fact]
    public async Task Reopen_KeyExpiredWhileClosed_AppendsAnew()
    {
        var clock = new FakeTimeProvider(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero));
        var options = new EventLogOptions { IdempotencyWindow = TimeSpan.FromHours(1), TimeProvider = clock };
        IEventLog log = await NewLogAsync(options);
        await AppendAsync(log, "s", "a", "k");
        await log.DisposeAsync();

        clock.Advance(TimeSpan.FromMinutes(30));
        IEventLog reopened = await ReopenAsync(options);
        AppendResult within = await AppendAsync(reopened, "s", "b", "k");
        await reopened.DisposeAsync();

        clock.Advance(TimeSpan.FromMinutes(31));
        IEventLog later = await ReopenAsync(options);
        AppendResult after = await AppendAsync(later, "s", "c", "k");

        Assert.Equal(new AppendResult(1, 1, true), within);
        Assert.Equal(new AppendResult(2, 2, false), after);
    }

    [Fact]
    public async Task Reopen_StoreDeleted_HasNewEpochAndIdsFromOne()
    {
        IEventLog log = await NewLogAsync();
        await AppendAsync(log, "s", "a");
        await AppendAsync(log, "s", "b", "k");
        string epoch = log.Epoch;
        await log.DisposeAsync();

        await DeleteStoreAsync();
        IEventLog fresh = await ReopenAsync();

        Assert.False(string.IsNullOrWhiteSpace(fresh.Epoch));
        Assert.NotEqual(epoch, fresh.Epoch);
        Assert.Equal(new StreamInfo(null, 0), await fresh.GetInfoAsync("s", Token));
        Assert.Equal(new AppendResult(1, 1, false), await AppendAsync(fresh, "s", "new", "k"));
    }

    [Fact]
    public async Task Dispose_WithAppendsQueued_CommitsEveryAcceptedAppend()
    {
        IEventLog log = await NewLogAsync();
        Task<AppendResult>[] inFlight = Enumerable.Range(0, 200)
            .Select(i => log.AppendAsync(i % 2 == 0 ? "even" : "odd", [Event($"e{i}")], null, Token))
            .ToArray();

        await WithinTimeout(log.DisposeAsync().AsTask(), "dispose to drain the queued appends");
        AppendResult[] results = await WithinTimeout(Task.WhenAll(inFlight), "the queued appends to complete");

        IEventLog reopened = await ReopenAsync();
        Assert.Equal(100, (await reopened.GetInfoAsync("even", Token)).Last);
        Assert.Equal(100, (await reopened.GetInfoAsync("odd", Token)).Last);
        Assert.Equal(Enumerable.Range(1, 100).Select(i => (long)i), results.Where((_, i) => i % 2 == 0).Select(r => r.First).Order());
        Assert.Equal(100, (await ReadAllAsync(reopened, "even")).Count);
    }
}
