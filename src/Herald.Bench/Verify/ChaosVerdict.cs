namespace Herald.Bench.Verify;

/// <summary>What one subscriber got, measured against the acknowledged events.</summary>
/// <param name="Subscriber">The subscriber's number, from 1.</param>
/// <param name="Deliveries">Events it received, duplicates included.</param>
/// <param name="HighestId">The highest ID it received.</param>
/// <param name="Lost">Acknowledged IDs it never received.</param>
/// <param name="Duplicated">Deliveries of an ID it had already received, plus deliveries of an acknowledged payload under a second ID (a retried publish appended twice).</param>
/// <param name="Reordered">Deliveries of an ID lower than one it had already received (and not received before).</param>
/// <param name="Skips">Times the next ID was more than the previous highest + 1: the sequence is not +1 each, even where the skipped IDs were never acknowledged.</param>
/// <param name="PayloadMismatches">Deliveries whose payload is not the one acknowledged for that ID.</param>
/// <param name="Unacknowledged">Deliveries of IDs no publisher got an answer for (a publish cut off by the end of the run); not a violation by itself.</param>
/// <param name="GapFrames"><c>gap</c> frames: retention is far above the run's events, so each one means events went missing.</param>
/// <param name="Resets"><c>reset</c> frames: the store got a new epoch, which a restart on the same store must never cause.</param>
internal sealed record SubscriberVerdict(
    int Subscriber,
    long Deliveries,
    long HighestId,
    long Lost,
    long Duplicated,
    long Reordered,
    long Skips,
    long PayloadMismatches,
    long Unacknowledged,
    int GapFrames,
    int Resets)
{
    /// <summary>What the first <c>reset</c> frames said, and when.</summary>
    public IReadOnlyList<string> ResetFrames { get; init; } = [];

    public bool Passed => Lost == 0 && Duplicated == 0 && Reordered == 0 && Skips == 0 && PayloadMismatches == 0 && GapFrames == 0 && Resets == 0;
}

/// <summary>The end-to-end result of a chaos run: every acknowledged event delivered to every subscriber exactly once, in order.</summary>
/// <param name="Acknowledged">Events the server acknowledged.</param>
/// <param name="HighestAcknowledged">The highest acknowledged ID.</param>
/// <param name="ConflictingAcknowledgements">IDs acknowledged to two different publishes (the server gave one ID twice).</param>
/// <param name="Subscribers">Each subscriber's result, in subscriber order.</param>
internal sealed record ChaosVerdict(long Acknowledged, long HighestAcknowledged, long ConflictingAcknowledgements, IReadOnlyList<SubscriberVerdict> Subscribers)
{
    public long Deliveries => Subscribers.Sum(s => s.Deliveries);

    public long Lost => Subscribers.Sum(s => s.Lost);

    public long Duplicated => Subscribers.Sum(s => s.Duplicated) + ConflictingAcknowledgements;

    public long Reordered => Subscribers.Sum(s => s.Reordered);

    public long Skips => Subscribers.Sum(s => s.Skips);

    public long PayloadMismatches => Subscribers.Sum(s => s.PayloadMismatches);

    public long Unacknowledged => Subscribers.Sum(s => s.Unacknowledged);

    public int GapFrames => Subscribers.Sum(s => s.GapFrames);

    public int Resets => Subscribers.Sum(s => s.Resets);

    /// <summary>Nothing acknowledged proves nothing, so it does not pass either.</summary>
    public bool Passed => Acknowledged > 0 && ConflictingAcknowledgements == 0 && Subscribers.Count > 0 && Subscribers.All(s => s.Passed);
}
