namespace Herald.Bench.Run;

/// <summary>
/// A push parser for an SSE body, optionally in HTTP/1.1 chunked framing. Lines may be split anywhere (across chunks
/// and reads); a partial line waits in a small carry buffer. Reports each event that has an ID with the ID's raw value
/// (copied, since the line may be gone by the frame's end) and its data stamp.
/// </summary>
internal sealed class ChunkedSseScanner(SseEventHandler onEvent)
{
    private enum State
    {
        ChunkSize,
        ChunkData,
        ChunkEnd,
        Plain,
    }

    private State _state;
    private long _chunkSize;
    private bool _inExtension;
    private long _remaining;
    private byte[] _carry = [];
    private int _carryLength;
    private byte[] _frameId = new byte[32];
    private int _frameIdLength;
    private long _frameStamp;
    private bool _frameHasData;
    private bool _frameIsNotice;

    public bool Finished { get; private set; }

    public long Notices { get; private set; }

    public void Start(bool chunked) => _state = chunked ? State.ChunkSize : State.Plain;

    public void Feed(ReadOnlySpan<byte> raw)
    {
        while (raw.Length > 0 && !Finished)
        {
            switch (_state)
            {
                case State.Plain:
                    Lines(raw);
                    return;
                case State.ChunkSize:
                    byte b = raw[0];
                    raw = raw[1..];
                    if (b == '\n')
                    {
                        Finished = _chunkSize == 0; // the last chunk: the server ended the response
                        _remaining = _chunkSize;
                        _chunkSize = 0;
                        _inExtension = false;
                        _state = State.ChunkData;
                    }
                    else if (b == ';')
                    {
                        _inExtension = true;
                    }
                    else if (b != '\r' && !_inExtension)
                    {
                        _chunkSize = (_chunkSize * 16) + HexValue(b);
                    }

                    break;
                case State.ChunkData:
                    int take = (int)Math.Min(_remaining, raw.Length);
                    Lines(raw[..take]);
                    raw = raw[take..];
                    _remaining -= take;
                    if (_remaining == 0)
                    {
                        _state = State.ChunkEnd;
                    }

                    break;
                case State.ChunkEnd:
                    if (raw[0] == '\n')
                    {
                        _state = State.ChunkSize;
                    }

                    raw = raw[1..];
                    break;
            }
        }
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        _ => throw new IOException("Bad chunk size."),
    };

    private void Lines(ReadOnlySpan<byte> segment)
    {
        while (true)
        {
            int lf = segment.IndexOf((byte)'\n');
            if (lf < 0)
            {
                Carry(segment);
                return;
            }

            if (_carryLength > 0)
            {
                Carry(segment[..lf]);
                Line(_carry.AsSpan(0, _carryLength));
                _carryLength = 0;
            }
            else
            {
                Line(segment[..lf]);
            }

            segment = segment[(lf + 1)..];
        }
    }

    private void Carry(ReadOnlySpan<byte> part)
    {
        if (_carryLength + part.Length > _carry.Length)
        {
            Array.Resize(ref _carry, Math.Max(256, (_carryLength + part.Length) * 2));
        }

        part.CopyTo(_carry.AsSpan(_carryLength));
        _carryLength += part.Length;
    }

    private void Line(ReadOnlySpan<byte> line)
    {
        if (line.Length > 0 && line[^1] == '\r')
        {
            line = line[..^1];
        }

        if (line.IsEmpty)
        {
            if (_frameIdLength > 0)
            {
                onEvent(_frameId.AsSpan(0, _frameIdLength), _frameStamp);
            }
            else if (_frameIsNotice)
            {
                Notices++;
            }

            _frameIdLength = 0;
            _frameStamp = 0;
            _frameHasData = false;
            _frameIsNotice = false;
        }
        else if (line.StartsWith("id:"u8))
        {
            ReadOnlySpan<byte> id = line[3..].TrimStart((byte)' ');
            if (id.Length > _frameId.Length)
            {
                _frameId = new byte[id.Length * 2]; // a composite cursor grows with its streams' names and IDs
            }

            id.CopyTo(_frameId);
            _frameIdLength = id.Length;
        }
        else if (line.StartsWith("data:"u8))
        {
            if (!_frameHasData)
            {
                _frameHasData = true;
                _frameStamp = Payload.ReadStamp(line[5..].TrimStart((byte)' '));
            }
        }
        else if (line.StartsWith("event:"u8))
        {
            ReadOnlySpan<byte> type = line[6..].TrimStart((byte)' ');
            _frameIsNotice = type.SequenceEqual("gap"u8) || type.SequenceEqual("reset"u8);
        }
    }
}
