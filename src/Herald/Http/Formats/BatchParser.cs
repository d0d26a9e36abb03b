using System.Text.Json;
using Herald.Validation;

namespace Herald.Http.Formats;

/// <summary>
/// Parses an NDJSON batch (docs/protocol.md "Batch publish"): one <c>{"data": …, "event"?: …}</c> object a line, blank lines
/// skipped. A JSON string is the data as is; any other value is the data as compact JSON. All or nothing: the first bad
/// line fails the whole batch, with its number counted from 1 over every line of the body.
/// </summary>
internal static class BatchParser
{
    private static readonly JsonReaderOptions s_readerOptions = new() { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 64 };

    public static BatchParseResult Parse(ReadOnlyMemory<byte> body, int maxEvents)
    {
        List<EventData> events = [];
        int lineNumber = 0;
        ReadOnlyMemory<byte> rest = body;
        while (!rest.IsEmpty)
        {
            lineNumber++;
            int lf = rest.Span.IndexOf((byte)'\n');
            ReadOnlyMemory<byte> line = lf < 0 ? rest : rest[..lf];
            rest = lf < 0 ? ReadOnlyMemory<byte>.Empty : rest[(lf + 1)..];
            if (line.Span.Trim(" \t\r"u8).IsEmpty)
            {
                continue;
            }

            if (events.Count == maxEvents)
            {
                return BatchParseResult.Fail(lineNumber, $"A batch holds at most {maxEvents} events.", tooLarge: true);
            }

            if (!Payloads.IsValidUtf8(line.Span))
            {
                return BatchParseResult.Fail(lineNumber, "The line is not valid UTF-8.");
            }

            string? error = TryParseLine(line, out EventData? parsed);
            if (error is not null)
            {
                return BatchParseResult.Fail(lineNumber, error);
            }

            events.Add(parsed!);
        }

        return events.Count == 0
            ? BatchParseResult.Fail(Math.Max(lineNumber, 1), "The batch has no events.")
            : BatchParseResult.Success(events);
    }

    private static string? TryParseLine(ReadOnlyMemory<byte> line, out EventData? parsed)
    {
        parsed = null;
        ReadOnlyMemory<byte>? data = null;
        string? eventType = null;
        bool sawEvent = false;
        try
        {
            Utf8JsonReader reader = new(line.Span, s_readerOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return "Each line must be a JSON object like {\"data\": ...}.";
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("data"u8))
                {
                    if (data is not null)
                    {
                        return "The member \"data\" appears twice.";
                    }

                    reader.Read();
                    data = ReadData(ref reader, line);
                }
                else if (reader.ValueTextEquals("event"u8))
                {
                    if (sawEvent)
                    {
                        return "The member \"event\" appears twice.";
                    }

                    sawEvent = true;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    eventType = reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                    if (eventType is null || !EventTypes.IsValid(eventType))
                    {
                        return $"\"event\" must be 1-{EventTypes.MaxLength} characters of A-Z a-z 0-9 _ . : -.";
                    }
                }
                else
                {
                    return $"Unknown member \"{reader.GetString()}\": a line has \"data\" and, optionally, \"event\".";
                }
            }

            // Anything after the object other than whitespace makes Read throw.
            while (reader.Read())
            {
            }
        }
        catch (JsonException)
        {
            return "The line is not valid JSON.";
        }
        catch (InvalidOperationException)
        {
            // Syntactically valid JSON whose string escapes are not text, such as a lone surrogate "\ud800".
            return "The line has a string that is not valid Unicode text.";
        }

        if (data is not ReadOnlyMemory<byte> payload)
        {
            return "The member \"data\" is missing.";
        }

        if (payload.IsEmpty)
        {
            return "\"data\" must not be empty.";
        }

        parsed = new EventData(eventType, Payloads.NormalizeLineBreaks(payload));
        return null;
    }

    private static ReadOnlyMemory<byte> ReadData(ref Utf8JsonReader reader, ReadOnlyMemory<byte> line)
    {
        if (reader.TokenType == JsonTokenType.String)
        {
            if (!reader.ValueIsEscaped)
            {
                // The quote is at TokenStartIndex: the text is the bytes that follow it, shared with the body, not copied.
                return line.Slice((int)reader.TokenStartIndex + 1, reader.ValueSpan.Length);
            }

            byte[] unescaped = new byte[reader.ValueSpan.Length];
            int written = reader.CopyString(unescaped);
            return unescaped.AsMemory(0, written);
        }

        int start = (int)reader.TokenStartIndex;
        reader.Skip();
        int end = (int)reader.BytesConsumed;
        return JsonCompaction.Compact(line[start..end]);
    }
}

/// <summary>The events of a batch, or the line that failed it.</summary>
internal readonly record struct BatchParseResult(List<EventData>? Events, int Line, string? Error, bool TooLarge)
{
    public static BatchParseResult Success(List<EventData> events) => new(events, 0, null, false);

    public static BatchParseResult Fail(int line, string error, bool tooLarge = false) => new(null, line, error, tooLarge);
}
