using Herald.Delivery;
using Herald.Http;

namespace Herald.Tests.Delivery;

/// <summary>
/// Issue 14: thousands of subscribers connecting live to a watched stream do not each read the store. Once one store read
/// is recorded, the stream's state answers a live start; a resume from a position always asks the store, which alone
/// knows the oldest retained ID.
/// </summary>
public sealed class LiveStartTests : IAsyncDisposable
{
    private readonly MemoryEventLog _store = new(new EventLogOptions());
    private readonly InfoCountingLog _log;

    public LiveStartTests() => _log = new InfoCountingLog(_store);

    public async ValueTask DisposeAsync() => await _store.DisposeAsync();

    [Fact]
    public void TryGetLiveLast_BeforeAStoreReadIsRecorded_IsFalse()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        state.Advance(7); // an append reported before any read: the state cannot tell what came before it

        Assert.False(state.TryGetLiveLast(out _));
    }

    [Fact]
    public void TryGetLiveLast_AfterARead_IsTheNewerOfTheReadAndTheAppendsReportedSince()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "epoch");
        state.RecordLast(40);
        Assert.True(state.TryGetLiveLast(out long afterRead));

        state.Advance(41);
        state.Advance(42);
        state.RecordLast(41); // an older read finishing late never moves it back
        Assert.True(state.TryGetLiveLast(out long afterAppends));

        Assert.Equal(40, afterRead);
        Assert.Equal(42, afterAppends);
    }

    [Fact]
    public void EnsureEpoch_TheStoreMovedToANewEpoch_ForgetsTheRecordedLast()
    {
        using StreamState state = new("s", 16, TimeSpan.Zero, "old");
        state.RecordLast(40);

        state.EnsureEpoch("new");

        Assert.False(state.TryGetLiveLast(out _));
    }

    [Fact]
    public async Task InfoAsync_LiveSubscribersAfterTheFirst_AreAnsweredWithoutAStoreRead()
    {
        await _store.AppendAsync("s", [new EventData(null, "a"u8.ToArray()), new EventData(null, "b"u8.ToArray())], null, CancellationToken.None);
        using StreamState state = new("s", 16, TimeSpan.Zero, _store.Epoch);
        using IDisposable watch = _store.Watch("s", state);

        StreamInfo first = await SubscribeRequest.InfoAsync(_log, state, position: null, CancellationToken.None);
        await _store.AppendAsync("s", [new EventData(null, "c"u8.ToArray())], null, CancellationToken.None);
        StreamInfo second = await SubscribeRequest.InfoAsync(_log, state, position: null, CancellationToken.None);
        StreamInfo third = await SubscribeRequest.InfoAsync(_log, state, position: null, CancellationToken.None);

        Assert.Equal(2, first.Last);
        Assert.Equal(3, second.Last); // the append reported to the state since the read
        Assert.Equal(3, third.Last);
        Assert.Equal(1, _log.InfoReads);
    }

    [Fact]
    public async Task InfoAsync_ResumingFromAPosition_AlwaysAsksTheStore()
    {
        await _store.AppendAsync("s", [new EventData(null, "a"u8.ToArray())], null, CancellationToken.None);
        using StreamState state = new("s", 16, TimeSpan.Zero, _store.Epoch);
        state.RecordLast(1);

        StreamInfo resumed = await SubscribeRequest.InfoAsync(_log, state, position: 0, CancellationToken.None);

        Assert.Equal(new StreamInfo(1, 1), resumed);
        Assert.Equal(1, _log.InfoReads);
    }

    /// <summary>The memory store, counting the reads of a stream's info.</summary>
    private sealed class InfoCountingLog(MemoryEventLog inner) : IEventLog
    {
        private int _infoReads;

        public int InfoReads => Volatile.Read(ref _infoReads);

        public string Epoch => inner.Epoch;

        public Task<AppendResult> AppendAsync(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken) =>
            inner.AppendAsync(stream, events, idempotencyKey, cancellationToken);

        public Task<IReadOnlyList<StoredEvent>> ReadAsync(string stream, long after, int max, CancellationToken cancellationToken) =>
            inner.ReadAsync(stream, after, max, cancellationToken);

        public Task<StreamInfo> GetInfoAsync(string stream, CancellationToken cancellationToken)
        {
            Interlocked.Increment(ref _infoReads);
            return inner.GetInfoAsync(stream, cancellationToken);
        }

        public Task<IReadOnlyList<StreamSummary>> ListStreamsAsync(string? after, int max, CancellationToken cancellationToken) =>
            inner.ListStreamsAsync(after, max, cancellationToken);

        public IDisposable Watch(string stream, IAppendObserver observer) => inner.Watch(stream, observer);

        public Task<bool> IsReadyAsync(CancellationToken cancellationToken) => inner.IsReadyAsync(cancellationToken);

        public ValueTask DisposeAsync() => ValueTask.CompletedTask;
    }
}
