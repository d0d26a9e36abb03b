using Herald.Bench.Verify;

namespace Herald.Bench.Tests.Verify;

/// <summary>
/// The checker must fail on every kind of violation, or a passing chaos run proves nothing. Each test feeds it what the
/// publishers were acknowledged and a delivery log with one defect planted.
/// </summary>
public sealed class ChaosCheckerTests
{
    private static readonly ChaosPayload s_payloads = new("test");

    [Fact]
    public void Check_EveryIdOnceInOrderWithItsPayload_Passes()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10), Batch(11, 2, 0, 10), Batch(21, 1, 10, 10)];
        DeliveryLog log = Deliver(Enumerable.Range(1, 30).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log, log]);

        Assert.True(verdict.Passed);
        Assert.Equal(30, verdict.Acknowledged);
        Assert.Equal(60, verdict.Deliveries);
        Assert.All(verdict.Subscribers, s => Assert.True(s.Passed));
        Assert.Equal(3, log.Runs.Count); // one run per acknowledged batch: the log stays small however long the run
    }

    [Fact]
    public void Check_AnIdDeliveredTwice_CountsADuplicate()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10)];
        DeliveryLog log = Deliver(Ids(1, 2, 3, 4, 5, 4, 5, 6, 7, 8, 9, 10).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(2, verdict.Duplicated);
        Assert.Equal(0, verdict.Lost);
        Assert.Equal(0, verdict.Reordered);
    }

    [Fact]
    public void Check_AnAcknowledgedIdNeverDelivered_CountsItLostAndTheSkip()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10)];
        DeliveryLog log = Deliver(Ids(1, 2, 3, 5, 6, 7, 8, 9, 10).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.Lost);
        Assert.Equal(1, verdict.Skips);
        Assert.Equal(0, verdict.Duplicated);
    }

    [Fact]
    public void Check_TheTailNeverDelivered_CountsItLost()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10)];
        DeliveryLog log = Deliver(Ids(1, 2, 3, 4, 5, 6, 7).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(3, verdict.Lost);
    }

    [Fact]
    public void Check_IdsDeliveredOutOfOrder_CountsTheReorderAndTheSkip()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10)];
        DeliveryLog log = Deliver(Ids(1, 2, 3, 5, 4, 6, 7, 8, 9, 10).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.Reordered);
        Assert.Equal(1, verdict.Skips);
        Assert.Equal(0, verdict.Lost);
        Assert.Equal(0, verdict.Duplicated);
    }

    [Fact]
    public void Check_APayloadOtherThanTheAcknowledgedOne_CountsAMismatch()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 10)];
        DeliveryLog log = Deliver(Enumerable.Range(1, 10).Select(id => (id, id == 6 ? ChaosPayload.Key(1, 99) : KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.PayloadMismatches);
    }

    [Fact]
    public void Check_AGarbledPayload_CountsAMismatch()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 3)];
        DeliveryLog log = Deliver([(1, KeyFor(acknowledged, 1)), (2, s_payloads.KeyOf("chaos-test-p1-n1x")), (3, KeyFor(acknowledged, 3))]);

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.PayloadMismatches);
    }

    [Fact]
    public void Check_ABatchAppendedTwiceButAcknowledgedOnce_CountsTheSecondCopyAsDuplicates()
    {
        // A retried publish whose first attempt was appended but not recognized: IDs 11..15 repeat the payloads of 6..10.
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 5), Batch(6, 2, 0, 5)];
        DeliveryLog log = Deliver(
            Enumerable.Range(1, 10).Select(id => (id, KeyFor(acknowledged, id)))
            .Concat(Enumerable.Range(11, 5).Select(id => (id, ChaosPayload.Key(2, id - 11)))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(5, verdict.Duplicated);
        Assert.Equal(5, verdict.Unacknowledged);
    }

    [Fact]
    public void Check_UnacknowledgedEventsAtTheEndOfTheStream_AreReportedButPass()
    {
        // A batch the drain cut off may have been appended: delivered in order, just never acknowledged.
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 5)];
        DeliveryLog log = Deliver(Enumerable.Range(1, 8).Select(id => (id, id <= 5 ? KeyFor(acknowledged, id) : ChaosPayload.Key(2, id - 6))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.True(verdict.Passed);
        Assert.Equal(3, verdict.Unacknowledged);
    }

    [Fact]
    public void Check_OneIdAcknowledgedToTwoPublishes_CountsTheConflict()
    {
        // A store that lost its sequence (e.g. restarted empty) hands out IDs again.
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 5), Batch(4, 2, 0, 5)];
        DeliveryLog log = Deliver(Enumerable.Range(1, 8).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.False(verdict.Passed);
        Assert.Equal(2, verdict.ConflictingAcknowledgements);
    }

    [Fact]
    public void Check_GapOrResetFrame_FailsEvenWithEveryEventDelivered()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 3)];
        DeliveryLog gap = Deliver(Enumerable.Range(1, 3).Select(id => (id, KeyFor(acknowledged, id))));
        gap.AddGapFrame();
        DeliveryLog reset = Deliver(Enumerable.Range(1, 3).Select(id => (id, KeyFor(acknowledged, id))));
        reset.AddReset("resuming from 3, the server's last ID 2");

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [gap, reset]);

        Assert.False(verdict.Passed);
        Assert.Equal(1, verdict.GapFrames);
        Assert.Equal(1, verdict.Resets);
        Assert.Equal(["resuming from 3, the server's last ID 2"], verdict.Subscribers[1].ResetFrames);
    }

    [Fact]
    public void Check_ManyResetFrames_CountsEveryOneAndKeepsTheFirstFourDetails()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 3)];
        DeliveryLog log = Deliver(Enumerable.Range(1, 3).Select(id => (id, KeyFor(acknowledged, id))));
        for (int i = 1; i <= 6; i++)
        {
            log.AddReset($"reset {i}");
        }

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [log]);

        Assert.Equal(6, verdict.Resets);
        Assert.Equal(["reset 1", "reset 2", "reset 3", "reset 4"], verdict.Subscribers[0].ResetFrames);
    }

    [Fact]
    public void Check_OneGoodSubscriberAndOneBad_FailsAndNamesTheBadOne()
    {
        AcknowledgedRange[] acknowledged = [Batch(1, 1, 0, 5)];
        DeliveryLog good = Deliver(Enumerable.Range(1, 5).Select(id => (id, KeyFor(acknowledged, id))));
        DeliveryLog bad = Deliver(Ids(1, 2, 4, 5).Select(id => (id, KeyFor(acknowledged, id))));

        ChaosVerdict verdict = ChaosChecker.Check(acknowledged, [good, bad]);

        Assert.False(verdict.Passed);
        Assert.True(verdict.Subscribers[0].Passed);
        Assert.False(verdict.Subscribers[1].Passed);
        Assert.Equal(1, verdict.Subscribers[1].Lost);
    }

    [Fact]
    public void Check_NothingAcknowledged_DoesNotPass()
    {
        ChaosVerdict verdict = ChaosChecker.Check([], [new DeliveryLog()]);

        Assert.False(verdict.Passed);
    }

    [Theory]
    [InlineData(1, 0)]
    [InlineData(7, 123_456_789)]
    public void Payload_FormatThenKeyOf_RoundTrips(int publisher, long n)
    {
        Assert.Equal(ChaosPayload.Key(publisher, n), s_payloads.KeyOf(s_payloads.Format(publisher, n)));
    }

    [Theory]
    [InlineData("chaos-other-p1-n1")]
    [InlineData("chaos-test-p1-n01")]
    [InlineData("chaos-test-p0-n1")]
    [InlineData("chaos-test-p1-n")]
    [InlineData("chaos-test-p1-n1 ")]
    [InlineData("")]
    public void Payload_NotExactlyWhatThisRunWrote_IsUnreadable(string data)
    {
        Assert.Equal(ChaosPayload.Unreadable, s_payloads.KeyOf(data));
    }

    private static AcknowledgedRange Batch(long first, int publisher, long firstN, int count) =>
        new(first, first + count - 1, ChaosPayload.Key(publisher, firstN));

    private static long KeyFor(AcknowledgedRange[] acknowledged, long id) => acknowledged.First(r => r.Contains(id)).KeyAt(id);

    private static long[] Ids(params long[] ids) => ids;

    private static DeliveryLog Deliver(IEnumerable<(long Id, long Key)> deliveries)
    {
        DeliveryLog log = new();
        foreach ((long id, long key) in deliveries)
        {
            log.Add(id, key);
        }

        return log;
    }

    private static DeliveryLog Deliver(IEnumerable<(int Id, long Key)> deliveries) => Deliver(deliveries.Select(d => ((long)d.Id, d.Key)));
}
