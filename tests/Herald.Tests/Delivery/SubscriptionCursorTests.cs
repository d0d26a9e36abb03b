using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using System.Text;
using System.Text.RegularExpressions;
using Herald.Delivery;
using Herald.Hosting;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Herald.Tests.Delivery;

/// <summary>
/// The cursor on its own (docs/design.md "Subscribers are cursors"): a real memory store, the hub, and a pipe standing in
/// for the socket; the heartbeat clock is a fake one, so nothing here waits in real time for a heartbeat.
/// </summary>
public sealed partial class SubscriptionCursorTests : IAsyncDisposable
{
    private readonly MemoryEventLog _log;
    private readonly HeraldOptions _options = new() { Heartbeat = TimeSpan.FromSeconds(4), DeliveryWindow = TimeSpan.Zero };
    private readonly FakeTimeProvider _clock = new();
    private readonly ServiceProvider _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
    private readonly SubscriptionHub _hub;
    private readonly HeraldMetrics _metrics;

    public SubscriptionCursorTests()
    {
        _log = new MemoryEventLog(new EventLogOptions { Retention = 5 });
        _hub = new SubscriptionHub(_log, Options.Create(_options), _clock, NullLogger<SubscriptionHub>.Instance);
        _metrics = new HeraldMetrics(_services.GetRequiredService<IMeterFactory>());
    }

    public async ValueTask DisposeAsync()
    {
        _hub.Dispose();
        await _services.DisposeAsync();
        await _log.DisposeAsync();
    }

    [Fact]
    public async Task Run_FromAPositionInTheStore_ThenLive_WritesEachEventOnceInOrder()
    {
        await AppendAsync("s", 1, 3);
        await using Running cursor = Start("s", position: 1);

        await AppendAsync("s", 4, 5);

        string written = await cursor.ReadUntilAsync(text => text.Contains("id: 5\n", StringComparison.Ordinal));
        Assert.Equal([2L, 3L, 4L, 5L], Ids(written));
        Assert.Contains("id: 2\ndata: e2\n\n", written, StringComparison.Ordinal);
        Assert.Equal(5, cursor.Cursor.Position);
    }

    [Fact]
    public async Task Run_BehindTrimmedHistory_WritesAGapThenTheOldestRetainedEvent()
    {
        await AppendAsync("s", 1, 10); // retention 5: at least 6..10 are kept, and 1 and 2 are not
        StreamInfo info = await _log.GetInfoAsync("s", CancellationToken.None);
        long first = info.First!.Value;
        Assert.InRange(first, 4, 6);
        await using Running cursor = Start("s", position: 2);

        string written = await cursor.ReadUntilAsync(text => text.Contains("id: 10\n", StringComparison.Ordinal));

        Assert.StartsWith($"event: gap\ndata: {{\"lastEventId\":2,\"first\":{first}}}\n\n", written, StringComparison.Ordinal);
        Assert.Equal([.. Enumerable.Range((int)first, 11 - (int)first).Select(i => (long)i)], Ids(written));
    }

    [Fact]
    public async Task Run_NothingToWrite_WritesAHeartbeatOnceThreeQuartersOfTheIntervalPassed()
    {
        await using Running cursor = Start("s", position: 0);
        await cursor.WaitUntilWaitingAsync();

        _clock.Advance(TimeSpan.FromSeconds(1)); // a hub tick: not yet due
        _clock.Advance(TimeSpan.FromSeconds(2)); // 3 s of the 4 s interval: due

        string written = await cursor.ReadUntilAsync(text => text.Contains(":\n\n", StringComparison.Ordinal));
        Assert.Equal(":\n\n", written);
    }

    [Fact]
    public async Task Run_HubStopping_WritesARetryAndEnds()
    {
        await using Running cursor = Start("s", position: 0);
        await cursor.WaitUntilWaitingAsync();

        _hub.Stop();

        string written = await cursor.ReadUntilAsync(text => text.Contains("\n\n", StringComparison.Ordinal));
        Assert.Matches("^retry: [0-9]+\n\n$", written);
        await cursor.Task.WaitAsync(TestTimeouts.Frame);
    }

    [Fact]
    public async Task Run_OneSubscriberDisconnects_TheOtherOnTheStreamKeepsReceiving()
    {
        await using Running leaving = Start("s", position: 0);
        await using Running staying = Start("s", position: 0);
        await leaving.WaitUntilWaitingAsync();

        await leaving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving.Task);
        await AppendAsync("s", 1, 1);

        string written = await staying.ReadUntilAsync(text => text.Contains("id: 1\n", StringComparison.Ordinal));
        Assert.Equal([1L], Ids(written));
    }

    [Fact]
    public async Task Run_TypeFilter_WritesOnlyMatchingEventsAndAnIdOnlyFrameWhenTheLastWasSkipped()
    {
        await _log.AppendAsync("s", [Typed("a", "1"), Typed(null, "2"), Typed("b", "3"), Typed("a", "4"), Typed("b", "5")], null, CancellationToken.None);
        await using Running cursor = Start("s", position: 0, new EventTypeFilter(["a", "message"]));

        string written = await cursor.ReadUntilAsync(text => text.Contains("id: 5\n\n", StringComparison.Ordinal));

        Assert.Equal("id: 1\nevent: a\ndata: 1\n\nid: 2\ndata: 2\n\nid: 4\nevent: a\ndata: 4\n\nid: 5\n\n", written);
        Assert.Equal(5, cursor.Cursor.Position);
    }

    [Fact]
    public async Task Run_TwoStreamsOnOneOutput_StampEveryEventWithBothPositionsMovingOnlyItsOwn()
    {
        await AppendAsync("a", 1, 2);
        Pipe pipe = new();
        SubscriptionOutput output = SubscriptionOutput.ForSeveralStreams(pipe.Writer, null, _clock.GetTimestamp());
        await using Running a = Start("a", position: 1, output: output, pipe: pipe);
        await using Running b = Start("b", position: 0, output: output, pipe: pipe, reader: false);
        output.Follow([a.Cursor, b.Cursor]);
        a.Go();
        b.Go();

        await a.ReadUntilAsync(text => text.Contains("id: a:2,b:0\n", StringComparison.Ordinal));
        await AppendAsync("b", 1, 1);
        await a.ReadUntilAsync(text => text.Contains("b:1", StringComparison.Ordinal));
        await AppendAsync("a", 3, 3);
        string written = await a.ReadUntilAsync(text => text.Contains("a:3", StringComparison.Ordinal));

        Assert.Equal("id: a:2,b:0\ndata: e2\n\nid: a:2,b:1\ndata: e1\n\nid: a:3,b:1\ndata: e3\n\n", written);
    }

    private static EventData Typed(string? type, string data) => new(type, Encoding.UTF8.GetBytes(data));

    private Running Start(string stream, long position, EventTypeFilter? filter = null, SubscriptionOutput? output = null, Pipe? pipe = null, bool reader = true)
    {
        StreamState state = _hub.Acquire(stream);
        pipe ??= new();
        output ??= SubscriptionOutput.ForOneStream(pipe.Writer, filter, _clock.GetTimestamp());
        SubscriptionCursor cursor = new(_hub, _log, state, output, _metrics, _options, position) { Epoch = _log.Epoch };
        CancellationTokenSource aborted = new();
        Running running = new(cursor, state, pipe, aborted, _hub, reader);
        if (!output.NamesStreams)
        {
            running.Go();
        }

        return running;
    }

    private async Task AppendAsync(string stream, int first, int last)
    {
        for (int i = first; i <= last; i++)
        {
            await _log.AppendAsync(stream, [new EventData(null, Encoding.UTF8.GetBytes("e" + i))], null, CancellationToken.None);
        }
    }

    private static long[] Ids(string written) => [.. IdLine().Matches(written).Select(m => long.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))];

    [GeneratedRegex("^id: ([0-9]+)$", RegexOptions.Multiline)]
    private static partial Regex IdLine();

    /// <summary>A cursor running on its own task, and what it has written so far.</summary>
    /// <param name="reader">Whether this one reads the pipe (cursors sharing an output share one pipe, read through one of them).</param>
    private sealed class Running(SubscriptionCursor cursor, StreamState state, Pipe pipe, CancellationTokenSource aborted, SubscriptionHub hub, bool reader) : IAsyncDisposable
    {
        private readonly StringBuilder _written = new();
        private Task task = Task.CompletedTask;

        public SubscriptionCursor Cursor => cursor;

        public Task Task => task;

        public void Go() => task = cursor.RunAsync(aborted.Token);

        /// <summary>Until the cursor has caught up and nothing was written: it then waits for the stream's next wake-up.</summary>
        public Task WaitUntilWaitingAsync() => Polling.WaitUntilAsync(
            () => state.KnownLast <= cursor.Position && !task.IsCompleted && _written.Length == 0,
            "the cursor to wait for a wake-up");

        public async Task<string> ReadUntilAsync(Func<string, bool> done)
        {
            Assert.True(reader, "read the shared pipe through the cursor that owns it");
            using CancellationTokenSource timeout = new(TestTimeouts.Frame);
            while (!done(_written.ToString()))
            {
                ReadResult read = await pipe.Reader.ReadAsync(timeout.Token);
                foreach (ReadOnlyMemory<byte> segment in read.Buffer)
                {
                    _written.Append(Encoding.UTF8.GetString(segment.Span));
                }

                pipe.Reader.AdvanceTo(read.Buffer.End);
            }

            return _written.ToString();
        }

        public async Task CancelAsync() => await aborted.CancelAsync();

        public async ValueTask DisposeAsync()
        {
            await aborted.CancelAsync();
            try
            {
                await task;
            }
            catch (OperationCanceledException)
            {
            }

            hub.Release(state);
            aborted.Dispose();
            if (reader)
            {
                await pipe.Reader.CompleteAsync();
            }
        }
    }
}
