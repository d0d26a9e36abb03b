using System.Globalization;
using System.Text;

namespace Herald.Redis.Tests.Topology;

/// <summary>
/// Just enough RESP2 to talk to redis-server from the test helpers: commands go out as arrays of bulk strings, so an
/// argument may hold spaces, quotes or nothing at all (an inline command splits on spaces), and any reply is read
/// back whole, however deeply nested.
/// </summary>
internal static class RespProtocol
{
    public static byte[] EncodeCommand(IReadOnlyList<string> arguments)
    {
        var builder = new StringBuilder();
        builder.Append(CultureInfo.InvariantCulture, $"*{arguments.Count}\r\n");
        foreach (string argument in arguments)
        {
            builder.Append(CultureInfo.InvariantCulture, $"${Encoding.UTF8.GetByteCount(argument)}\r\n{argument}\r\n");
        }

        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>Reads <paramref name="count"/> complete replies from <paramref name="stream"/>, in order.</summary>
    public static async Task<IReadOnlyList<RespValue>> ReadAsync(Stream stream, int count, CancellationToken cancellationToken)
    {
        var reader = new Reader(stream);
        var replies = new RespValue[count];
        for (int i = 0; i < count; i++)
        {
            replies[i] = await reader.ReadAsync(cancellationToken);
        }

        return replies;
    }

    /// <summary>A buffered reader for the replies on one connection; it may read ahead, so one reader serves a connection.</summary>
    private sealed class Reader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private readonly List<byte> _line = [];
        private int _position;
        private int _length;

        public async Task<RespValue> ReadAsync(CancellationToken cancellationToken)
        {
            string line = await ReadLineAsync(cancellationToken);
            if (line.Length == 0)
            {
                throw new InvalidDataException("Redis sent an empty line where a reply should start.");
            }

            string rest = line[1..];
            switch (line[0])
            {
                case '+':
                    return RespValue.Simple(rest);
                case '-':
                    return RespValue.ErrorReply(rest);
                case ':':
                    return RespValue.Integer(long.Parse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture));
                case '$':
                {
                    int length = int.Parse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    if (length < 0)
                    {
                        return RespValue.NullReply;
                    }

                    byte[] bytes = await ReadExactlyAsync(length + 2, cancellationToken); // the string and its CRLF
                    return RespValue.Bulk(Encoding.UTF8.GetString(bytes, 0, length));
                }

                case '*':
                {
                    int count = int.Parse(rest, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
                    if (count < 0)
                    {
                        return RespValue.NullReply;
                    }

                    var items = new RespValue[count];
                    for (int i = 0; i < count; i++)
                    {
                        items[i] = await ReadAsync(cancellationToken);
                    }

                    return RespValue.ArrayOf(items);
                }

                default:
                    throw new InvalidDataException($"Not a RESP2 reply: '{line}'.");
            }
        }

        private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
        {
            _line.Clear();
            while (true)
            {
                if (_position == _length)
                {
                    await FillAsync(cancellationToken);
                }

                byte next = _buffer[_position++];
                if (next == '\n' && _line.Count > 0 && _line[^1] == '\r')
                {
                    return Encoding.UTF8.GetString([.. _line], 0, _line.Count - 1);
                }

                _line.Add(next);
            }
        }

        private async Task<byte[]> ReadExactlyAsync(int count, CancellationToken cancellationToken)
        {
            byte[] result = new byte[count];
            int filled = 0;
            while (filled < count)
            {
                if (_position == _length)
                {
                    await FillAsync(cancellationToken);
                }

                int take = Math.Min(count - filled, _length - _position);
                Array.Copy(_buffer, _position, result, filled, take);
                _position += take;
                filled += take;
            }

            return result;
        }

        private async Task FillAsync(CancellationToken cancellationToken)
        {
            _length = await stream.ReadAsync(_buffer, cancellationToken);
            _position = 0;
            if (_length == 0)
            {
                throw new IOException("Redis closed the connection in the middle of a reply.");
            }
        }
    }
}
