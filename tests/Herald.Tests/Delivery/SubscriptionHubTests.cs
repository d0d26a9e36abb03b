using System.Text;
using Herald.Delivery;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Delivery;

/// <summary>
/// The node's subscribed streams: one state per stream while it has subscribers, fed by the store's watch, woken by
/// appends, by the one heartbeat clock and by shutdown.
/// </summary>
public sealed class SubscriptionHubTests : IAsyncDisposable
{
    private readonly MemoryEventLog _log = new(new EventLogOptions());
    private readonly FakeTimeProvider _clock = new();
    private readonly SubscriptionHub _hub;

    public SubscriptionHubTests() =>
        _hub = new SubscriptionHub(_log, Options.Create(new HeraldOptions { Heartbeat = TimeSpan.FromSeconds(4) }), _clock, NullLogger<SubscriptionHub>.Instance);

    public async ValueTask DisposeAsync()
    {
        _hub.Dispose();
        await _log.DisposeAsync();
    }

    [Fact]
    public void Acquire_SameStreamTwice_SharesOneStateAndCountsBoth()
    {
        StreamState first = _hub.Acquire("s");
        StreamState second = _hub.Acquire("s");

        Assert.Same(first, second);
        Assert.Equal(2, _hub.SubscriberCount("s"));
        Assert.Equal(0, _hub.SubscriberCount("other"));
    }

    [Fact]
    public async Task Acquire_ThenAppend_TheStoreReportsToTheStateItsHotTail()
    {
        StreamState state = _hub.Acquire("s");

        await AppendAsync("s");

        Assert.Equal(1, state.KnownLast);
        Assert.Equal(1, state.Tail.Last);
    }

    [Fact]
    public async Task Release_LastSubscriber_ForgetsTheStreamAndStopsWatchingIt()
    {
        StreamState first = _hub.Acquire("s");
        _hub.Release(first);
        await AppendAsync("s"); // nobody watches: the released state hears nothing

        StreamState again = _hub.Acquire("s");

        Assert.NotSame(first, again);
        Assert.Equal(0, first.KnownLast);
        Assert.Equal(1, _hub.SubscriberCount("s"));
    }

    [Fact]
    public void HeartbeatClock_AQuarterOfTheIntervalLater_WakesEveryStream()
    {
        StreamState a = _hub.Acquire("a");
        StreamState b = _hub.Acquire("b");
        (long aWakes, long bWakes) = (a.Wakes, b.Wakes);

        _clock.Advance(TimeSpan.FromSeconds(0.9));
        Assert.Equal(aWakes, a.Wakes);
        _clock.Advance(TimeSpan.FromSeconds(0.1));

        Assert.True(a.Wakes > aWakes && b.Wakes > bWakes);
    }

    [Fact]
    public void Stop_SetsStoppingAndWakesEveryStream()
    {
        StreamState a = _hub.Acquire("a");
        StreamState b = _hub.Acquire("b");
        (long aWakes, long bWakes) = (a.Wakes, b.Wakes);

        _hub.Stop();

        Assert.True(_hub.IsStopping);
        Assert.True(a.Wakes > aWakes && b.Wakes > bWakes);
    }

    private Task<AppendResult> AppendAsync(string stream) =>
        _log.AppendAsync(stream, [new EventData(null, Encoding.UTF8.GetBytes("x"))], null, CancellationToken.None);
}
