using Herald.Delivery;

namespace Herald.Tests.Delivery;

/// <summary>
/// The resume decision of docs/protocol.md "Subscribe", table-driven: every combination of a client's position and epoch
/// against a stream's retained range.
/// </summary>
public sealed class ResumePlanTests
{
    private const string Epoch = "e1";

    public static TheoryData<long?, string?, long?, long, long, string> Cases => new()
    {
        // position, client epoch, retained first, last → cursor, outcome
        { null, null, 1, 10, 10, "live" },
        { null, "other", 1, 10, 10, "live" },      // an epoch without a position changes nothing
        { null, null, null, 0, 0, "live" },        // empty stream
        { 0, null, 1, 10, 0, "exact" },            // from the start
        { 4, null, 1, 10, 4, "exact" },
        { 10, null, 1, 10, 10, "exact" },          // caught up
        { 4, Epoch, 1, 10, 4, "exact" },           // same epoch
        { 4, null, 5, 10, 4, "exact" },            // the next event is the oldest retained one
        { 3, null, 5, 10, 3, "gap" },              // 4 was trimmed
        { 0, null, 5, 10, 0, "gap" },
        { 11, null, 1, 10, 0, "reset" },           // ahead of the stream
        { 11, null, 5, 10, 4, "reset" },           // ahead, with history trimmed: every retained event
        { 4, "other", 1, 10, 0, "reset" },         // another epoch's position
        { 4, "other", 5, 10, 4, "reset" },
        { 3, null, null, 0, 0, "reset" },          // ahead of an empty stream
        { 8, null, null, 7, 7, "reset" },          // ahead of a stream whose every event was trimmed
        { 7, null, null, 7, 7, "exact" },          // caught up on a stream whose every event was trimmed
        { 2, null, null, 7, 2, "exact" },          // behind one whose every event was trimmed: nothing to replay yet;
                                                   // the cursor reports the gap with the next event it reads
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Decide_ReturnsTheCursorAndOutcomeTheProtocolPrescribes(long? position, string? clientEpoch, long? first, long last, long cursor, string outcome)
    {
        ResumePlan plan = ResumePlan.Decide(position, clientEpoch, Epoch, new StreamInfo(first, last));

        Assert.Equal(cursor, plan.Cursor);
        Assert.Equal(outcome, plan.OutcomeName);
    }

    /// <summary>
    /// A store that has given out IDs it does not show yet (Redis waiting for replicas): a client may hold one of them, shown
    /// before a failover lost the record of its confirmation but not the events. It waits there; only past every given ID
    /// is it ahead of the stream.
    /// </summary>
    [Theory]
    [InlineData(12L, 12L, "exact", 0L)]  // holds the highest given ID
    [InlineData(11L, 11L, "exact", 0L)]
    [InlineData(10L, 10L, "exact", 0L)]  // caught up with what is shown
    [InlineData(13L, 0L, "reset", 10L)]  // past every given ID: every shown event again
    public void Decide_PositionGivenButNotYetShown_WaitsThereInsteadOfReset(long position, long cursor, string outcome, long replay)
    {
        var info = new StreamInfo(1, 10) { Allocated = 12 };

        ResumePlan plan = ResumePlan.Decide(position, null, Epoch, info);

        Assert.Equal(cursor, plan.Cursor);
        Assert.Equal(outcome, plan.OutcomeName);
        Assert.Equal(replay, ResumePlan.EventsToReplay(plan.Cursor, info));
    }

    [Fact]
    public void Decide_PositionGivenButNotYetShownInAnotherEpoch_IsReset()
    {
        ResumePlan plan = ResumePlan.Decide(11, "other", Epoch, new StreamInfo(1, 10) { Allocated = 12 });

        Assert.Equal(ResumeOutcome.Reset, plan.Outcome);
        Assert.Equal(0, plan.Cursor);
    }

    [Theory]
    [InlineData(10L, 1L, 10L, 0L)]   // live or caught up
    [InlineData(0L, 1L, 10L, 10L)]   // from the start
    [InlineData(3L, 5L, 10L, 6L)]    // a gap: only what is retained is replayed
    [InlineData(0L, null, 0L, 0L)]   // empty stream
    [InlineData(2L, null, 7L, 0L)]   // everything trimmed: nothing to replay
    public void EventsToReplay_CountsOnlyRetainedEventsAfterTheCursor(long cursor, long? first, long last, long expected) =>
        Assert.Equal(expected, ResumePlan.EventsToReplay(cursor, new StreamInfo(first, last)));
}
