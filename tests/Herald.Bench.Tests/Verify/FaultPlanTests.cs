using Herald.Bench.Verify;

namespace Herald.Bench.Tests.Verify;

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
        Assert.DoesNotContain(FaultKind.RedisFailover, FaultKinds.For(ChaosStore.Sqlite));
    }

    [Fact]
    public void For_Redis_HasTheFailoverAndTheRestart()
    {
        IReadOnlyList<FaultKind> kinds = FaultKinds.For(ChaosStore.Redis);

        Assert.Contains(FaultKind.RedisFailover, kinds);
        Assert.Contains(FaultKind.RedisRestart, kinds);
        Assert.Equal(kinds.Count, kinds.Distinct().Count());
        Assert.Equal("redis-failover", FaultKind.RedisFailover.Name());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(VerifyChaosTests.RedisSeed)]
    [InlineData(123_456)]
    public void Next_Redis_SchedulesOneFailoverInEveryRound(int seed)
    {
        IReadOnlyList<FaultKind> kinds = FaultKinds.For(ChaosStore.Redis);
        FaultPlan plan = new(kinds, new Random(seed));

        for (int round = 0; round < 5; round++)
        {
            FaultKind[] faults = [.. Enumerable.Range(0, kinds.Count).Select(_ => plan.Next())];
            Assert.Single(faults, f => f == FaultKind.RedisFailover);
        }
    }

    [Fact]
    public void Next_TheRedisChaosTestsSeed_StartsWithAFailoverThenARestartOfThePromotedPrimary()
    {
        // VerifyChaosTests runs a short Redis run with this seed; it must reach a failover within its 25 s.
        FaultPlan plan = new(FaultKinds.For(ChaosStore.Redis), new Random(VerifyChaosTests.RedisSeed));

        Assert.Equal(FaultKind.RedisFailover, plan.Next());
        Assert.Equal(FaultKind.RedisRestart, plan.Next());
    }
}
