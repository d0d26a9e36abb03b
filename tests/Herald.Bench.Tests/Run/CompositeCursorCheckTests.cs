using System.Text;
using Herald.Bench.Run;

namespace Herald.Bench.Tests.Run;

/// <summary>
/// The composite <c>id:</c> check behind <c>herald-bench run --composite</c>: a run is only called exact if this check can
/// fail, so each test plants one defect in a sequence of cursors and asserts it is counted against the right stream.
/// </summary>
public sealed class CompositeCursorCheckTests
{
    [Fact]
    public void Observe_InterleavedCursorsMovingOnePairByOne_CountsNothingAndNamesTheStreamThatMoved()
    {
        CompositeCursorCheck check = new(["a", "b", "c"]);

        int[] moved = Feed(check, "a:1,b:0,c:0", "a:1,b:1,c:0", "a:1,b:1,c:1", "a:2,b:1,c:1", "a:2,b:1,c:2", "a:2,b:2,c:2");

        Assert.Equal([0, 1, 2, 0, 2, 1], moved);
        Assert.Equal([2L, 2L, 2L], check.Sequences.Select(s => s.LastId));
        AssertClean(check);
    }

    [Fact]
    public void Observe_APairThatJumpsByTwo_CountsOneMissingOnItsStream()
    {
        CompositeCursorCheck check = new(["a", "b"]);

        Feed(check, "a:1,b:0", "a:1,b:1", "a:1,b:3", "a:2,b:3");

        Assert.Equal(0, check.Sequences[0].Missing);
        Assert.Equal(1, check.Sequences[1].Missing);
        Assert.Equal(0, check.BadIds);
    }

    [Fact]
    public void Observe_TheSameCursorTwice_CountsADuplicateOfTheStreamThatMovedLast()
    {
        CompositeCursorCheck check = new(["a", "b"]);

        Feed(check, "a:1,b:0", "a:1,b:1", "a:1,b:1", "a:2,b:1");

        Assert.Equal(0, check.Sequences[0].Duplicates);
        Assert.Equal(1, check.Sequences[1].Duplicates);
        Assert.Equal(0, check.Sequences[1].Missing);
    }

    [Fact]
    public void Observe_AnEarlierEventSentAgain_CountsItOutOfOrder()
    {
        CompositeCursorCheck check = new(["a", "b"]);

        Feed(check, "a:1,b:0", "a:2,b:0", "a:1,b:0", "a:3,b:0");

        Assert.Equal(1, check.Sequences[0].OutOfOrder);
    }

    [Fact]
    public void Observe_TwoPairsMovedByOneFrame_IsABadId()
    {
        CompositeCursorCheck check = new(["a", "b"]);

        int moved = check.Observe("a:1,b:1"u8);

        Assert.Equal(-1, moved);
        Assert.Equal(1, check.BadIds);
    }

    [Theory]
    [InlineData("b:1,a:0")] // the streams in another order than the request's
    [InlineData("a:1")] // a pair missing
    [InlineData("a:1,b:0,c:0")] // a stream not subscribed
    [InlineData("a:1,b:0,")] // a trailing comma
    [InlineData("a:x,b:0")] // not a number
    [InlineData("a:-1,b:0")] // a sign
    [InlineData("a1,b:0")] // no colon
    [InlineData("7")] // a one-stream ID
    public void Observe_AValueThatIsNotACursorOfTheSubscribedStreams_IsABadId(string value)
    {
        CompositeCursorCheck check = new(["a", "b"]);

        int moved = check.Observe(Encoding.ASCII.GetBytes(value));

        Assert.Equal(-1, moved);
        Assert.Equal(1, check.BadIds);
        Assert.All(check.Sequences, s => Assert.Equal(0, s.LastId));
    }

    [Fact]
    public void Observe_AFirstFrameThatMovesNothing_IsABadIdNotADuplicate()
    {
        CompositeCursorCheck check = new(["a", "b"]);

        check.Observe("a:0,b:0"u8);

        Assert.Equal(1, check.BadIds);
        Assert.All(check.Sequences, s => Assert.Equal(0, s.Duplicates));
    }

    private static int[] Feed(CompositeCursorCheck check, params string[] values) =>
        [.. values.Select(value => check.Observe(Encoding.ASCII.GetBytes(value)))];

    private static void AssertClean(CompositeCursorCheck check)
    {
        Assert.Equal(0, check.BadIds);
        Assert.All(check.Sequences, s =>
        {
            Assert.Equal(0, s.Missing);
            Assert.Equal(0, s.Duplicates);
            Assert.Equal(0, s.OutOfOrder);
        });
    }
}
