using System.Buffers;
using System.IO.Pipelines;
using Microsoft.AspNetCore.Http;

namespace Herald.Http.Formats;

/// <summary>Reads a request body into one array, refusing it as soon as it passes the limit (docs/protocol.md: <c>413</c>).</summary>
internal static class RequestBody
{
    /// <summary>The body, or <see langword="null"/> when it is larger than <paramref name="limit"/> bytes.</summary>
    public static async Task<byte[]?> ReadAsync(HttpRequest request, int limit, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return null;
        }

        PipeReader reader = request.BodyReader;
        while (true)
        {
            ReadResult read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = read.Buffer;
            if (buffer.Length > limit)
            {
                reader.AdvanceTo(buffer.End);
                return null;
            }

            if (read.IsCompleted)
            {
                byte[] body = buffer.ToArray();
                reader.AdvanceTo(buffer.End);
                return body;
            }

            // Consume nothing yet, but say everything was examined, so the next read waits for more bytes.
            reader.AdvanceTo(buffer.Start, buffer.End);
        }
    }
}
