using System.Buffers.Text;
using System.Text;

namespace Herald.Bench.Run;

/// <summary>
/// Checks the <c>id:</c> values of a <c>GET /subscribe</c> response (docs/protocol.md "Subscribe to several streams"): each
/// is the whole cursor, <c>a:42,b:17</c>, one pair per subscribed stream in the order of the <c>stream</c> parameters, and
/// exactly one pair moves per event, by exactly 1. The pair that moved is the event's stream, so each stream's IDs are
/// checked as a one-stream subscriber's would be (<see cref="IdSequence"/>).
/// </summary>
/// <remarks>
/// A value that moves no pair repeats the last event (a duplicate of the stream that moved last); one that moves several
/// pairs, names other streams, or does not parse is counted in <see cref="BadIds"/>: none of these is an exact delivery.
/// </remarks>
internal sealed class CompositeCursorCheck
{
    private readonly byte[][] _names;
    private readonly long[] _positions;
    private int _lastMoved = -1;

    /// <param name="streams">The subscribed streams, in the order of the request's <c>stream</c> parameters; every one starts at 0.</param>
    public CompositeCursorCheck(IReadOnlyList<string> streams)
    {
        _names = [.. streams.Select(Encoding.ASCII.GetBytes)];
        _positions = new long[streams.Count];
        Sequences = [.. streams.Select(_ => new IdSequence())];
    }

    /// <summary>One check per subscribed stream, in subscription order.</summary>
    public IdSequence[] Sequences { get; }

    /// <summary>IDs that are not a cursor of exactly these streams, or that moved more than one pair.</summary>
    public long BadIds { get; private set; }

    /// <summary>Checks one event's <c>id:</c> value; returns the index of the stream it moved, or -1 when none or several did.</summary>
    public int Observe(ReadOnlySpan<byte> value)
    {
        Span<long> parsed = _positions.Length <= 256 ? stackalloc long[_positions.Length] : new long[_positions.Length];
        if (!TryParse(value, parsed))
        {
            BadIds++;
            return -1;
        }

        int moved = -1;
        int movedCount = 0;
        for (int i = 0; i < parsed.Length; i++)
        {
            if (parsed[i] != _positions[i])
            {
                moved = i;
                movedCount++;
                _positions[i] = parsed[i];
                Sequences[i].Observe(parsed[i]);
            }
        }

        if (movedCount == 1)
        {
            _lastMoved = moved;
            return moved;
        }

        if (movedCount == 0 && _lastMoved >= 0)
        {
            // The same cursor again: the last event delivered twice.
            Sequences[_lastMoved].Observe(_positions[_lastMoved]);
            return -1;
        }

        BadIds++;
        return -1;
    }

    // "name0:id0,name1:id1,…" with exactly these names in this order, each followed by a decimal.
    private bool TryParse(ReadOnlySpan<byte> value, Span<long> positions)
    {
        for (int i = 0; i < _names.Length; i++)
        {
            if (i > 0)
            {
                if (value.IsEmpty || value[0] != ',')
                {
                    return false;
                }

                value = value[1..];
            }

            byte[] name = _names[i];
            if (!value.StartsWith(name) || value.Length <= name.Length || value[name.Length] != ':')
            {
                return false;
            }

            value = value[(name.Length + 1)..];
            if (value.IsEmpty || value[0] is < (byte)'0' or > (byte)'9' || !Utf8Parser.TryParse(value, out long position, out int digits))
            {
                return false;
            }

            positions[i] = position;
            value = value[digits..];
        }

        return value.IsEmpty;
    }
}
