using Herald.Cli.Verify;

namespace Herald.Cli.Tests.Verify;

public sealed class FaultPlanTests
{
    [Fact]
    public void Next_EveryRound_ForcesEachKindOnce()
    {
        IReadOnlyList<FaultKind> kinds = FaultKinds.For(ChaosStore.Redis);
        FaultPlan plan = new(kinds, new Random(42));

        for (int round = 0; round < 4; round++)
        {
            FaultKind[] faults = [.. Enumerable.Range(0, kinds.Count).Select(_ => plan.Next())];
            Assert.Equal(kinds.Order(), faults.Order());
        }
    }

    [Fact]
    public void Next_SameSeed_SameFaultsInTheSameOrder()
    {
        FaultPlan first = new(FaultKinds.For(ChaosStore.Redis), new Random(7));
        FaultPlan second = new(FaultKinds.For(ChaosStore.Redis), new Random(7));

        Assert.Equal(Enumerable.Range(0, 20).Select(_ => first.Next()), Enumerable.Range(0, 20).Select(_ => second.Next()));
    }

    [Fact]
    public void For_Sqlite_HasNoRedisOnlyFaults()
    {
        Assert.DoesNotContain(FaultKind.NodeKill, FaultKinds.For(ChaosStore.Sqlite));
        Assert.DoesNotContain(FaultKind.RedisRestart, FaultKinds.For(ChaosStore.Sqlite));
    }
}
