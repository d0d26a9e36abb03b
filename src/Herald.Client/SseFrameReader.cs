using System.Globalization;
using System.Text;

namespace Herald.Client;

/// <summary>
/// Reads an event stream frame by frame (WHATWG "event stream interpretation"), reporting only frames whose blank line
/// arrived. The runtime's <c>SseParser</c> does not fit a resuming client: it sets <c>LastEventId</c> as soon as an
/// <c>id:</c> line is read (so a connection cut mid-frame leaves it past an event never delivered), stamps id-less frames
/// with the previous ID (so a <c>gap</c> after an event looks like an event), and yields nothing for an id-only frame.
/// </summary>
internal sealed class SseFrameReader : IDisposable
{
    private readonly StreamReader _reader;

    /// <param name="stream">The response body; the caller disposes it.</param>
    public SseFrameReader(Stream stream)
    {
        // UTF-8 only, as the format requires; a leading BOM is skipped (Encoding.UTF8 carries one as its preamble).
        _reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: false, bufferSize: 4096, leaveOpen: true);
    }

    /// <summary>Releases the reader's buffers; the stream stays open.</summary>
    public void Dispose() => _reader.Dispose();

    /// <summary>The last valid <c>retry:</c> value seen, in milliseconds; null before one.</summary>
    public TimeSpan? ReconnectionInterval { get; private set; }

    /// <summary>The next complete frame with an ID or data; null at the end of the stream (an unfinished frame is dropped).</summary>
    public async ValueTask<SseFrame?> ReadAsync(CancellationToken cancellationToken)
    {
        string? id = null;
        string? eventType = null;
        StringBuilder? data = null;
        while (await _reader.ReadLineAsync(cancellationToken).ConfigureAwait(false) is { } line)
        {
            if (line.Length == 0)
            {
                if (id is not null || data is not null)
                {
                    return new SseFrame(id, string.IsNullOrEmpty(eventType) ? "message" : eventType, data?.ToString());
                }

                eventType = null; // a frame of only comments, retry: or event: dispatches nothing
                continue;
            }

            if (line[0] == ':')
            {
                continue; // a comment: the server's heartbeat
            }

            int colon = line.IndexOf(':', StringComparison.Ordinal);
            string field = colon < 0 ? line : line[..colon];
            string value = colon < 0 ? string.Empty : line[(colon + 1)..];
            if (value.StartsWith(' '))
            {
                value = value[1..];
            }

            switch (field)
            {
                case "data":
                    if (data is null)
                    {
                        data = new StringBuilder(value);
                    }
                    else
                    {
                        data.Append('\n').Append(value);
                    }

                    break;
                case "event":
                    eventType = value;
                    break;
                case "id" when !value.Contains('\0', StringComparison.Ordinal):
                    id = value;
                    break;
                case "retry" when value.Length > 0 && value.All(char.IsAsciiDigit)
                    && long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out long ms):
                    ReconnectionInterval = TimeSpan.FromMilliseconds(ms);
                    break;
                default:
                    break; // unknown fields are ignored
            }
        }

        return null;
    }
}
