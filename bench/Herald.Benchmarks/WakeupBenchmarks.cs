using System.Diagnostics.Metrics;
using System.IO.Pipelines;
using BenchmarkDotNet.Attributes;
using Herald.Delivery;
using Herald.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Herald.Benchmarks;

/// <summary>
/// The cursor wake-up: from an append to every waiting cursor having run. <see cref="Signal"/> is the bare signal
/// (<see cref="StreamState.Advance"/> until each of N waiters has resumed and re-armed); <see cref="AppendToDelivered"/>
/// is the whole live path with real cursors: append to the memory store, the hub encodes the frame into the hot tail
/// and wakes the stream, and N <see cref="SubscriptionCursor"/>s each read the tail and flush the frame to their pipe.
/// One operation is one append; divide by N for the cost per cursor.
/// </summary>
public class WakeupBenchmarks
{
    private const string Stream = "bench";

    private readonly List<Task> _running = [];
    private StreamState _state = null!;
    private TaskCompletionSource _allResumed = null!;
    private int _waiting;

    private MemoryEventLog _log = null!;
    private ServiceProvider? _meters;
    private SubscriptionHub _hub = null!;
    private StreamState _hubState = null!;
    private CancellationTokenSource _stop = null!;
    private EventData[] _event = [];
    private TaskCompletionSource _allDelivered = null!;
    private int _undelivered;

    [Params(1, 100, 1000)]
    public int Cursors { get; set; }

    [GlobalSetup(Target = nameof(Signal))]
    public void SetupSignal()
    {
        _stop = new CancellationTokenSource();
        // No delivery window: it would hold each wake-up back for the rest of 5 ms, and this measures the wake-up itself.
        _state = new StreamState(Stream, 16, TimeSpan.Zero, "epoch");
        _allResumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting = Cursors;
        for (int i = 0; i < Cursors; i++)
        {
            _running.Add(WaitLoopAsync(_state.Wakes));
        }
    }

    [Benchmark]
    public Task Signal()
    {
        _allResumed = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _waiting, Cursors);
        _state.Advance(_state.KnownLast + 1);
        return _allResumed.Task;
    }

    [GlobalSetup(Target = nameof(AppendToDelivered))]
    public void SetupCursors()
    {
        _stop = new CancellationTokenSource();
        _log = new MemoryEventLog(new EventLogOptions { Retention = 10_000 });
        // No heartbeat tick inside a measurement, and no delivery window holding a wake-up back.
        var options = new HeraldOptions { Heartbeat = TimeSpan.FromHours(1), DeliveryWindow = TimeSpan.Zero };
        _hub = new SubscriptionHub(_log, Options.Create(options), TimeProvider.System, NullLogger<SubscriptionHub>.Instance);
        _hubState = _hub.Acquire(Stream);
        // No listener on this factory's meter: the instruments cost what they cost in a host that exports nothing.
        _meters = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new HeraldMetrics(_meters.GetRequiredService<IMeterFactory>());
        _event = [new EventData("update", Payload.Json(200))];
        for (int i = 0; i < Cursors; i++)
        {
            PipeWriter output = PipeWriter.Create(new CountingStream(this), new StreamPipeWriterOptions(leaveOpen: true));
            var response = SubscriptionOutput.ForOneStream(output, filter: null, TimeProvider.System.GetTimestamp());
            var cursor = new SubscriptionCursor(_hub, _log, _hubState, response, metrics, options, position: 0) { Epoch = _log.Epoch };
            _running.Add(Task.Run(() => cursor.RunAsync(_stop.Token)));
        }

        // The first wake-up also pays for each cursor's first store read; measured runs start from cursors all waiting.
        AppendToDelivered().GetAwaiter().GetResult();
    }

    [Benchmark]
    public async Task AppendToDelivered()
    {
        _allDelivered = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        Volatile.Write(ref _undelivered, Cursors);
        await _log.AppendAsync(Stream, _event, idempotencyKey: null, CancellationToken.None).ConfigureAwait(false);
        await _allDelivered.Task.ConfigureAwait(false);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _stop.Cancel();
        _state?.Wake();
        _hubState?.Wake();
        Task.WhenAll(_running).ContinueWith(static _ => { }, TaskScheduler.Default).Wait(TimeSpan.FromSeconds(30));
        _hub?.Dispose();
        _meters?.Dispose();
        _stop.Dispose();
    }

    // A cursor's wait in SubscriptionCursor.RunAsync: count the wake-ups before looking, then wait for the next one.
    private async Task WaitLoopAsync(long wakes)
    {
        using WakeWaiter waiter = new(_stop.Token);
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                await _state.WaitForWakeAsync(waiter, wakes).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }

            wakes = _state.Wakes;
            if (Interlocked.Decrement(ref _waiting) == 0)
            {
                _allResumed.TrySetResult();
            }
        }
    }

    private void Delivered()
    {
        if (Interlocked.Decrement(ref _undelivered) == 0)
        {
            _allDelivered.TrySetResult();
        }
    }

    /// <summary>A subscriber's socket: counts each flush (one per append here) and drops the bytes.</summary>
    private sealed class CountingStream(WakeupBenchmarks owner) : Stream
    {
        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => owner.Delivered();

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            owner.Delivered();
            return ValueTask.CompletedTask;
        }
    }
}
