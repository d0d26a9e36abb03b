using System.Net;
using System.Net.Sockets;
using Herald.Client.Tests.Infrastructure;

namespace Herald.Client.Tests;

/// <summary>
/// The idle timeout on its own, over a real loopback socket and a fake clock: what ends a read, what keeps it alive, and
/// that the whole connection uses one timer.
/// </summary>
public sealed class IdleTimeoutStreamTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan IdleTimeout = TimeSpan.FromSeconds(10);

    private readonly ArmCountingTimeProvider _time = new();
    private Socket? _peer;
    private NetworkStream? _received;

    private Socket Peer => _peer ?? throw new InvalidOperationException("Not connected.");

    private NetworkStream Received => _received ?? throw new InvalidOperationException("Not connected.");

    public async Task InitializeAsync()
    {
        using Socket listener = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        listener.Listen();
        Socket client = new(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await client.ConnectAsync(listener.LocalEndPoint!);
        _peer = await listener.AcceptAsync();
        _received = new NetworkStream(client, ownsSocket: true);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose()
    {
        _received?.Dispose();
        _peer?.Dispose();
    }

    [Fact]
    public async Task Read_PeerSilentForTheTimeout_EndsWithIOExceptionAndTimedOut()
    {
        await using IdleTimeoutStream stream = new(Received, IdleTimeout, _time);
        ValueTask<int> read = stream.ReadAsync(new byte[16]);
        Assert.False(read.IsCompleted);

        _time.Advance(IdleTimeout);

        IOException error = await Assert.ThrowsAsync<IOException>(async () => await read);
        Assert.True(stream.TimedOut);
        Assert.Contains("Nothing arrived", error.Message, StringComparison.Ordinal);
        // Given up for good: the next read fails the same way instead of touching the disposed socket.
        await Assert.ThrowsAsync<IOException>(() => stream.ReadAsync(new byte[16]).AsTask());
    }

    [Fact]
    public async Task Read_PeerSilentForLessThanTheTimeout_KeepsWaiting()
    {
        await using IdleTimeoutStream stream = new(Received, IdleTimeout, _time);
        ValueTask<int> read = stream.ReadAsync(new byte[16]);

        _time.Advance(IdleTimeout - TimeSpan.FromTicks(1));
        await Peer.SendAsync("x"u8.ToArray());

        Assert.Equal(1, await read);
        Assert.False(stream.TimedOut);
    }

    [Fact]
    public async Task Read_DataBeforeEachTimeout_NeverTimesOutAndUsesOneTimer()
    {
        await using IdleTimeoutStream stream = new(Received, IdleTimeout, _time);
        byte[] buffer = new byte[16];

        // Ten timeouts' worth of clock, the peer speaking every 0.9 of one: each read re-arms the same timer.
        for (int i = 0; i < 12; i++)
        {
            ValueTask<int> read = stream.ReadAsync(buffer);
            _time.Advance(IdleTimeout * 0.9);
            await Peer.SendAsync(":\n"u8.ToArray());
            Assert.True(await read > 0);
        }

        Assert.False(stream.TimedOut);
        Assert.Equal(1, _time.Timers);
        Assert.Equal(12, _time.Arms);
    }

    [Fact]
    public async Task Read_ClockRunsBetweenReads_DoesNotCountAgainstTheNextRead()
    {
        await using IdleTimeoutStream stream = new(Received, IdleTimeout, _time);
        await Peer.SendAsync("ab"u8.ToArray());
        byte[] one = new byte[1];
        Assert.Equal(1, await stream.ReadAsync(one));

        // A consumer busy for three timeouts is not a silent peer: the byte waiting in the socket is still read.
        _time.Advance(IdleTimeout * 3);

        Assert.Equal(1, await stream.ReadAsync(one));
        Assert.Equal((byte)'b', one[0]);
        Assert.False(stream.TimedOut);
    }

    [Fact]
    public async Task Read_CancelledByTheCaller_IsACancellationNotATimeout()
    {
        await using IdleTimeoutStream stream = new(Received, IdleTimeout, _time);
        using CancellationTokenSource cancel = new();
        ValueTask<int> read = stream.ReadAsync(new byte[16], cancel.Token);

        await cancel.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await read);
        Assert.False(stream.TimedOut);
    }

    [Fact]
    public async Task Read_InfiniteTimeout_CreatesNoTimer()
    {
        await using IdleTimeoutStream stream = new(Received, Timeout.InfiniteTimeSpan, _time);
        ValueTask<int> read = stream.ReadAsync(new byte[16]);

        _time.Advance(TimeSpan.FromDays(1));
        await Peer.SendAsync("x"u8.ToArray());

        Assert.Equal(1, await read);
        Assert.Equal(0, _time.Timers);
    }
}
