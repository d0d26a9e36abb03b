using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// A TCP relay on 127.0.0.1:0 in front of a real server that can play a proxy during a deploy: while
/// <see cref="AnswerBadGateway"/> is set, every new connection gets <c>502 Bad Gateway</c> (after its request head) and is
/// closed; otherwise bytes are relayed both ways untouched. Switching to 502 resets the open connections, as a proxy
/// whose upstream went away does. <see cref="AnswerUnauthorized"/> does the same with <c>401</c>, as an auth gateway
/// does once a token has expired.
/// </summary>
internal sealed class BadGatewayProxy : IAsyncDisposable
{
    private static readonly byte[] s_badGateway = Encoding.ASCII.GetBytes(
        "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain\r\nContent-Length: 12\r\nConnection: close\r\n\r\nbad gateway\n");

    private static readonly byte[] s_unauthorized = Encoding.ASCII.GetBytes(
        "HTTP/1.1 401 Unauthorized\r\nContent-Type: text/plain\r\nContent-Length: 13\r\nConnection: close\r\n\r\nunauthorized\n");

    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Lock _lock = new();
    private readonly List<TcpClient> _open = [];
    private readonly Uri _target;
    private readonly Task _accepting;
    private volatile byte[]? _answer;
    private int _badGatewayAnswers;
    private int _connections;

    public BadGatewayProxy(Uri target)
    {
        _target = target;
        _listener.Start();
        BaseAddress = new Uri($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");
        _accepting = Task.Run(AcceptAsync);
    }

    public Uri BaseAddress { get; }

    /// <summary>How many 502 answers were sent.</summary>
    public int BadGatewayAnswers => Volatile.Read(ref _badGatewayAnswers);

    /// <summary>Connections accepted so far, answered or relayed.</summary>
    public int Connections => Volatile.Read(ref _connections);

    public bool AnswerBadGateway
    {
        get => _answer == s_badGateway;
        set => Answer(value ? s_badGateway : null);
    }

    public bool AnswerUnauthorized
    {
        get => _answer == s_unauthorized;
        set => Answer(value ? s_unauthorized : null);
    }

    private void Answer(byte[]? response)
    {
        _answer = response;
        if (response is not null)
        {
            ResetOpenConnections();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        ResetOpenConnections();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
        }

        _stop.Dispose();
    }

    private void ResetOpenConnections()
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

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            byte[]? answer = _answer;
            _ = Task.Run(() => answer is not null ? AnswerAsync(client, answer) : RelayAsync(client));
        }
    }

    private async Task AnswerAsync(TcpClient client, byte[] answer)
    {
        using (client)
        {
            try
            {
                NetworkStream stream = client.GetStream();
                await ReadRequestHeadAsync(stream);
                await stream.WriteAsync(answer, _stop.Token);
                if (answer == s_badGateway)
                {
                    Interlocked.Increment(ref _badGatewayAnswers);
                }

                client.Client.Shutdown(SocketShutdown.Send);
            }
            catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }
    }

    // Reads until the blank line that ends the request head (GET requests from a browser have no body).
    private async Task ReadRequestHeadAsync(NetworkStream stream)
    {
        byte[] buffer = new byte[8192];
        List<byte> head = [];
        while (head.Count < 64 * 1024)
        {
            int read = await stream.ReadAsync(buffer, _stop.Token);
            if (read == 0)
            {
                return;
            }

            head.AddRange(buffer.AsSpan(0, read));
            if (head.Count >= 4 && System.MemoryExtensions.IndexOf(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(head), "\r\n\r\n"u8) >= 0)
            {
                return;
            }
        }
    }

    private async Task RelayAsync(TcpClient client)
    {
        TcpClient upstream = new() { NoDelay = true };
        Track(client);
        Track(upstream);
        try
        {
            await upstream.ConnectAsync(_target.Host, _target.Port, _stop.Token);
            NetworkStream down = client.GetStream();
            NetworkStream up = upstream.GetStream();
            await Task.WhenAny(down.CopyToAsync(up, _stop.Token), up.CopyToAsync(down, _stop.Token));
        }
        catch (Exception ex) when (ex is IOException or SocketException or ObjectDisposedException or OperationCanceledException)
        {
            // A reset connection: the client sees it closed.
        }
        finally
        {
            Untrack(client);
            Untrack(upstream);
        }
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

        client.Dispose();
    }
}
