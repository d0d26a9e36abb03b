using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// A keep-alive HTTP/1.1 connection that sends prebuilt requests and reads just enough of each response (status line,
/// Content-Length, body). Far cheaper per request than HttpClient, so the figure is the server's, not the client's.
/// </summary>
internal sealed class RawHttpConnection : IDisposable
{
    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    private RawHttpConnection(Socket socket) => _socket = socket;

    public static async Task<RawHttpConnection> OpenAsync(Uri server, CancellationToken cancellationToken)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(server.Host, server.Port, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }

        return new RawHttpConnection(socket);
    }

    public static byte[] BuildPost(Uri server, string path, byte[] body)
    {
        string head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>Sends one request and returns the response's status code and the last event ID its body names (0 if none).</summary>
    public async Task<PublishAnswer> SendAsync(byte[] request, CancellationToken cancellationToken)
    {
        for (int sent = 0; sent < request.Length;)
        {
            sent += await _socket.SendAsync(request.AsMemory(sent), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        }

        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        int status = ParseHead(_buffer.AsSpan(_start, headerEnd), out int contentLength, out bool chunked);
        _start += headerEnd + 4;
        if (chunked)
        {
            return new PublishAnswer(status, await ReadChunkedAsync(cancellationToken).ConfigureAwait(false));
        }

        while (_end - _start < contentLength)
        {
            await FillAsync(cancellationToken).ConfigureAwait(false);
        }

        long id = LastId(_buffer.AsSpan(_start, contentLength));
        _start += contentLength;
        return new PublishAnswer(status, id);
    }

    // Servers that do not set Content-Length (ASP.NET Core's Results.Json, for one) send the body in chunks.
    private async Task<long> ReadChunkedAsync(CancellationToken cancellationToken)
    {
        long id = 0;
        while (true)
        {
            int lineEnd;
            while ((lineEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n"u8)) < 0)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            if (!Utf8Parser.TryParse(_buffer.AsSpan(_start, lineEnd), out int size, out _, 'X'))
            {
                throw new IOException("Unreadable chunk size.");
            }

            _start += lineEnd + 2;
            while (_end - _start < size + 2)
            {
                await FillAsync(cancellationToken).ConfigureAwait(false);
            }

            if (size == 0)
            {
                _start += 2; // the empty trailer section
                return id;
            }

            id = Math.Max(id, LastId(_buffer.AsSpan(_start, size)));
            _start += size + 2;
        }
    }

    public void Dispose() => _socket.Dispose();

    private static int ParseHead(ReadOnlySpan<byte> head, out int contentLength, out bool chunked)
    {
        chunked = head.IndexOf("Transfer-Encoding: chunked"u8) >= 0;
        if (!head.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(head["HTTP/1.1 ".Length..], out int status, out _))
        {
            throw new IOException("Not an HTTP/1.1 response.");
        }

        contentLength = 0;
        int at = head.IndexOf("Content-Length: "u8);
        if (at < 0)
        {
            at = head.IndexOf("content-length: "u8);
        }

        if (at >= 0 && !Utf8Parser.TryParse(head[(at + "Content-Length: ".Length)..], out contentLength, out _))
        {
            throw new IOException("Unreadable Content-Length.");
        }

        return status;
    }

    // {"stream":"s","id":7} for a single publish, {"stream":"s","first":1,"last":1000} for a batch: the acknowledged tail.
    private static long LastId(ReadOnlySpan<byte> body)
    {
        int at = body.IndexOf("\"last\":"u8);
        int skip = "\"last\":".Length;
        if (at < 0)
        {
            at = body.IndexOf("\"id\":"u8);
            skip = "\"id\":".Length;
        }

        return at >= 0 && Utf8Parser.TryParse(body[(at + skip)..], out long id, out _) ? id : 0;
    }

    private async Task FillAsync(CancellationToken cancellationToken)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None, cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _end += read;
    }
}

/// <summary>A publish response: its status and the acknowledged (last) event ID.</summary>
internal readonly record struct PublishAnswer(int Status, long Id);
