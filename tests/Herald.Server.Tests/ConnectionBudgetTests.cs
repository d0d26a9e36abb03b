namespace Herald.Server.Tests;

/// <summary>
/// <see cref="ConnectionBudget.Fit"/>: the connection caps fitted under the open-file limit. Caps that fit are left
/// alone; caps that do not (or none) become what the limit leaves, with a tenth (at most 1,000) kept for publishers.
/// </summary>
public sealed class ConnectionBudgetTests
{
    private static readonly int s_margin = ConnectionBudget.Margin(Environment.ProcessorCount);

    [Fact]
    public void Fit_UnderAGenerousLimit_ChangesNothing()
    {
        ServerSettings settings = new();

        (ServerSettings fitted, string? reason) = ConnectionBudget.Fit(settings, softLimit: 1_000_000, openNow: 200);

        Assert.Null(reason);
        Assert.Same(settings, fitted);
    }

    [Fact]
    public void Fit_UnderATightLimit_CapsConnectionsBelowIt_AndLeavesPublishersATenth()
    {
        ServerSettings settings = new(); // 10,000 subscriptions, 11,000 connections

        (ServerSettings fitted, string? reason) = ConnectionBudget.Fit(settings, softLimit: 4_096 + s_margin, openNow: 96);

        Assert.Equal(4_000, fitted.MaxHttpConnections);
        Assert.Equal(3_600, fitted.Herald.MaxConnections);
        Assert.Contains($"open-file limit is {4_096 + s_margin}", reason, StringComparison.Ordinal);
        Assert.Equal(settings.Herald.MaxConnectionsPerIp, fitted.Herald.MaxConnectionsPerIp); // the rest is kept
        Assert.Equal(settings.MaxRequestHeadersBytes, fitted.MaxRequestHeadersBytes);
    }

    [Fact]
    public void Fit_JustUnderTheDefaults_StillLeavesPublishersRoom()
    {
        ServerSettings settings = new(); // 10,000 subscriptions would fit in 10,500 connections but leave publishers 500

        (ServerSettings fitted, _) = ConnectionBudget.Fit(settings, softLimit: 10_600 + s_margin, openNow: 100);

        Assert.Equal(10_500, fitted.MaxHttpConnections);
        Assert.Equal(9_500, fitted.Herald.MaxConnections);
    }

    [Fact]
    public void Fit_NoCap_GetsTheRoomTheLimitLeaves()
    {
        ServerSettings settings = new() { MaxHttpConnections = 0, Herald = { MaxConnections = 0 } };

        (ServerSettings fitted, string? reason) = ConnectionBudget.Fit(settings, softLimit: 100_100 + s_margin, openNow: 100);

        Assert.NotNull(reason);
        Assert.Equal(100_000, fitted.MaxHttpConnections);
        Assert.Equal(99_000, fitted.Herald.MaxConnections);
    }

    [Fact]
    public void Fit_ASubscriptionCapWithRoomForPublishers_IsTheOperatorsAndStays()
    {
        ServerSettings settings = new() { MaxHttpConnections = 0, Herald = { MaxConnections = 3_000 } };

        (ServerSettings fitted, _) = ConnectionBudget.Fit(settings, softLimit: 100_000, openNow: 100);

        Assert.Equal(3_000, fitted.Herald.MaxConnections);
        Assert.True(fitted.MaxHttpConnections > 3_000);
    }

    [Fact]
    public void Fit_AConnectionCapThatOverflowedToNegative_IsTreatedAsNoCap()
    {
        ServerSettings settings = new() { MaxHttpConnections = int.MinValue + 5, Herald = { MaxConnections = int.MaxValue - 3 } };

        (ServerSettings fitted, _) = ConnectionBudget.Fit(settings, softLimit: 20_100 + s_margin, openNow: 100);

        Assert.Equal(20_000, fitted.MaxHttpConnections);
        Assert.Equal(19_000, fitted.Herald.MaxConnections);
    }
}
