using System.Net;
using System.Net.Sockets;

namespace Herald.Client.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1:0 in front of a real server, so that a client keeps one address while the server behind it is
/// killed and restarted on another port. It can cut every open connection (<see cref="CutAll"/>) and swallow the next
/// responses (<see cref="DropNextResponses"/>): the request reaches the server, the answer never reaches the client.
/// </summary>
internal sealed class LoopbackProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private readonly Task _accepting;
    private Uri? _target;
    private int _dropResponses;
    private int _connections;
    private byte[]? _cutMarker;
    private int _stallGeneration;

    public LoopbackProxy(Uri? target = null)
    {
        _target = target;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>Where new connections go; open ones stay with the old target until it or <see cref="CutAll"/> ends them.</summary>
    public Uri? Target
    {
        get => Volatile.Read(ref _target);
        set => Volatile.Write(ref _target, value);
    }

    /// <summary>How many client connections the proxy has accepted.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>The next <paramref name="count"/> connections forward their requests but close as soon as the server answers.</summary>
    public void DropNextResponses(int count) => Interlocked.Exchange(ref _dropResponses, count);

    /// <summary>
    /// Ends the next connection whose answer contains <paramref name="marker"/> right after it: the bytes up to the end of
    /// the marker arrive, then the connection closes (e.g. after <c>id: 3\n</c>, in the middle of that event's frame).
    /// </summary>
    public void CutAfter(string marker) => Volatile.Write(ref _cutMarker, System.Text.Encoding.UTF8.GetBytes(marker));

    /// <summary>
    /// Open connections stop delivering anything to the client and stay open, as behind a peer that vanished without a
    /// FIN: a half-open connection. Connections accepted afterwards relay normally.
    /// </summary>
    public void StallOpenConnections() => Interlocked.Increment(ref _stallGeneration);

    /// <summary>Resets every open connection, as a network failure would.</summary>
    public void CutAll()
    {
        lock (_lock)
        {
            foreach (TcpClient client in _open)
            {
                client.Client.LingerState = new LingerOption(true, 0);
                client.Dispose();
            }

            _open.Clear();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        CutAll();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = Task.Run(() => RelayAsync(client));
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        bool drop = Interlocked.Decrement(ref _dropResponses) >= 0;
        if (!drop)
        {
            Interlocked.Increment(ref _dropResponses); // stay at 0
        }

        TcpClient upstream = new() { NoDelay = true };
        Track(client);
        Track(upstream);
        try
        {
            Uri target = Target ?? throw new InvalidOperationException("The proxy has no target.");
            await upstream.ConnectAsync(target.Host, target.Port, _stop.Token);
            NetworkStream down = client.GetStream();
            NetworkStream up = upstream.GetStream();
            Task toServer = down.CopyToAsync(up, _stop.Token);
            Task toClient = drop ? SwallowFirstAnswerAsync(up) : RelayToClientAsync(up, down, client);
            await Task.WhenAny(toServer, toClient);
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException or InvalidOperationException)
        {
            // A dead target or a cut connection: the client sees its connection closed.
        }
        finally
        {
            Untrack(client);
            Untrack(upstream);
        }
    }

    private async Task RelayToClientAsync(NetworkStream up, NetworkStream down, TcpClient client)
    {
        byte[] buffer = new byte[16 * 1024];
        byte[] tail = [];
        int generation = Volatile.Read(ref _stallGeneration);
        while (true)
        {
            int read = await up.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            if (Volatile.Read(ref _stallGeneration) != generation)
            {
                continue; // stalled: read from the server, deliver nothing, never close
            }

            byte[]? marker = Volatile.Read(ref _cutMarker);
            if (marker is not null)
            {
                // The marker may straddle two reads: search the end of the previous read too.
                byte[] window = [.. tail, .. buffer.AsSpan(0, read)];
                int at = window.AsSpan().IndexOf(marker);
                if (at >= 0 && Interlocked.CompareExchange(ref _cutMarker, null, marker) == marker)
                {
                    int end = at + marker.Length - tail.Length;
                    await down.WriteAsync(buffer.AsMemory(0, end), _stop.Token);
                    client.Client.Shutdown(System.Net.Sockets.SocketShutdown.Send); // FIN after what was written: those bytes do arrive
                    return;
                }

                tail = window[Math.Max(0, window.Length - (marker.Length - 1))..];
            }

            await down.WriteAsync(buffer.AsMemory(0, read), _stop.Token);
        }
    }

    private async Task SwallowFirstAnswerAsync(NetworkStream up)
    {
        byte[] buffer = new byte[4096];
        await up.ReadAtLeastAsync(buffer, 1, throwOnEndOfStream: false, _stop.Token);
    }

    private void Track(TcpClient client)
    {
        lock (_lock)
        {
            _open.Add(client);
        }
    }

    private void Untrack(TcpClient client)
    {
        lock (_lock)
        {
            _open.Remove(client);
        }

        client.Dispose(); // a graceful close: what was relayed still arrives
    }
}
