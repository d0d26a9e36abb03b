using System.Buffers.Text;
using System.Net.Sockets;
using System.Text;

namespace Herald.Load;

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

    public static async Task<RawHttpConnection> OpenAsync(Uri server)
    {
        Socket socket = new(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        await socket.ConnectAsync(server.Host, server.Port);
        return new RawHttpConnection(socket);
    }

    public static byte[] BuildPost(Uri server, string path, byte[] body)
    {
        string head = $"POST {path} HTTP/1.1\r\nHost: {server.Authority}\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\n\r\n";
        return [.. Encoding.ASCII.GetBytes(head), .. body];
    }

    /// <summary>Sends one request and returns the response's status code.</summary>
    public async Task<int> SendAsync(byte[] request)
    {
        for (int sent = 0; sent < request.Length;)
        {
            sent += await _socket.SendAsync(request.AsMemory(sent), SocketFlags.None);
        }

        int headerEnd;
        while ((headerEnd = _buffer.AsSpan(_start, _end - _start).IndexOf("\r\n\r\n"u8)) < 0)
        {
            await FillAsync();
        }

        ReadOnlySpan<byte> head = _buffer.AsSpan(_start, headerEnd);
        if (!head.StartsWith("HTTP/1.1 "u8) || !Utf8Parser.TryParse(head["HTTP/1.1 ".Length..], out int status, out _))
        {
            throw new IOException("Not an HTTP/1.1 response.");
        }

        int contentLength = 0;
        int at = head.IndexOf("Content-Length: "u8);
        if (at >= 0 && !Utf8Parser.TryParse(head[(at + "Content-Length: ".Length)..], out contentLength, out _))
        {
            throw new IOException("Unreadable Content-Length.");
        }

        _start += headerEnd + 4;
        while (_end - _start < contentLength)
        {
            await FillAsync();
        }

        _start += contentLength;
        return status;
    }

    public void Dispose() => _socket.Dispose();

    private async Task FillAsync()
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }

        int read = await _socket.ReceiveAsync(_buffer.AsMemory(_end), SocketFlags.None);
        if (read == 0)
        {
            throw new IOException("The server closed the connection.");
        }

        _end += read;
    }
}
