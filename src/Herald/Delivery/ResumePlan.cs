namespace Herald.Delivery;

/// <summary>
/// Where a new subscription's cursor starts, decided from what the client sent and what the store holds
/// (docs/protocol.md "Subscribe"). Pure: the endpoint writes the <c>reset</c> frame it calls for; a <c>gap</c> is written by
/// the cursor itself when its first read starts past its position, as it is for any later trim.
/// </summary>
/// <param name="Cursor">The last ID the client is taken to have: the cursor's starting position.</param>
/// <param name="Outcome">How the subscription started, as the <c>herald_resumes_total</c> metric labels it.</param>
internal readonly record struct ResumePlan(long Cursor, ResumeOutcome Outcome)
{
    /// <param name="position">The client's <c>Last-Event-ID</c>, or null when it sent none.</param>
    /// <param name="clientEpoch">The epoch the client's position belongs to, or null when it sent none.</param>
    /// <param name="storeEpoch">The store's epoch now.</param>
    /// <param name="info">The stream's retained range now.</param>
    public static ResumePlan Decide(long? position, string? clientEpoch, string storeEpoch, StreamInfo info)
    {
        if (position is not long after)
        {
            return new(info.Last, ResumeOutcome.Live);
        }

        // A client ahead of every ID the store gave, or holding another epoch's position, cannot be trusted: every retained
        // event. One past Last but not past Allocated holds an ID whose confirmation a failover lost: it waits there.
        if (after > Math.Max(info.Last, info.Allocated ?? 0) || (clientEpoch is not null && !string.Equals(clientEpoch, storeEpoch, StringComparison.Ordinal)))
        {
            return new((info.First ?? (info.Last + 1)) - 1, ResumeOutcome.Reset);
        }

        if (info.First is long first && after + 1 < first)
        {
            return new(after, ResumeOutcome.Gap);
        }

        return new(after, ResumeOutcome.Exact);
    }

    /// <summary>How many retained events a cursor at <paramref name="cursor"/> has to replay before it is live.</summary>
    public static long EventsToReplay(long cursor, StreamInfo info) =>
        Math.Max(0, info.Last - Math.Max(cursor, (info.First ?? (info.Last + 1)) - 1));

    /// <summary>The label of <see cref="Outcome"/> in metrics and logs.</summary>
    public string OutcomeName => Outcome switch
    {
        ResumeOutcome.Live => "live",
        ResumeOutcome.Exact => "exact",
        ResumeOutcome.Gap => "gap",
        _ => "reset",
    };
}
