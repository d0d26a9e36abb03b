namespace Herald.Bench.Run;

/// <summary>
/// The exactness check of one stream as one subscriber sees it: IDs must be 1, 2, 3, … with nothing missing or repeated.
/// A subscriber of one stream has one; a <c>GET /subscribe</c> subscriber has one per stream of its cursor.
/// </summary>
internal sealed class IdSequence
{
    /// <summary>The last ID received (the highest one, if they came out of order).</summary>
    public long LastId { get; private set; }

    /// <summary>IDs skipped: an event arrived whose ID is more than the previous one plus 1.</summary>
    public long Missing { get; private set; }

    public long Duplicates { get; private set; }

    public long OutOfOrder { get; private set; }

    public void Observe(long id)
    {
        if (id == LastId + 1)
        {
            LastId = id;
        }
        else if (id == LastId)
        {
            Duplicates++;
        }
        else if (id < LastId)
        {
            OutOfOrder++;
        }
        else
        {
            Missing += id - LastId - 1;
            LastId = id;
        }
    }
}
