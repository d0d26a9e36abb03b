namespace Herald.Tests.Hosting;

/// <summary>Options default to docs/protocol.md's values, and <see cref="HeraldOptions.Validate"/> names whatever is wrong.</summary>
public sealed class HeraldOptionsTests
{
    [Fact]
    public void Defaults_New_AreApiMdValues()
    {
        HeraldOptions options = new();

        Assert.Equal(100_000, options.Retention);
        Assert.Equal(TimeSpan.FromSeconds(15), options.Heartbeat);
        Assert.Equal(1024 * 1024, options.MaxEventBytes);
        Assert.Equal(16 * 1024 * 1024, options.MaxBatchBytes);
        Assert.Equal(10_000, options.MaxBatchEvents);
        Assert.Equal(TimeSpan.FromHours(24), options.IdempotencyWindow);
        Assert.Empty(options.PublisherKeys);
    }

    [Fact]
    public void Validate_Defaults_ReportsNothing()
    {
        Assert.Empty(new HeraldOptions().Validate());
    }

    [Fact]
    public void Validate_LongValidPublisherKey_ReportsNothing()
    {
        HeraldOptions options = new();
        options.PublisherKeys.Add("0123456789abcdef");

        Assert.Empty(options.Validate());
    }

    public static TheoryData<string, Action<HeraldOptions>> BadOptions() => new()
    {
        { nameof(HeraldOptions.Retention), o => o.Retention = 0 },
        { nameof(HeraldOptions.Retention), o => o.Retention = -1 },
        { nameof(HeraldOptions.IdempotencyWindow), o => o.IdempotencyWindow = TimeSpan.Zero },
        { nameof(HeraldOptions.IdempotencyWindow), o => o.IdempotencyWindow = TimeSpan.FromSeconds(-1) },
        { nameof(HeraldOptions.Heartbeat), o => o.Heartbeat = TimeSpan.Zero },
        { nameof(HeraldOptions.Heartbeat), o => o.Heartbeat = TimeSpan.FromMilliseconds(99) },
        { nameof(HeraldOptions.Heartbeat), o => o.Heartbeat = TimeSpan.FromHours(1) + TimeSpan.FromTicks(1) },
        { nameof(HeraldOptions.Retry), o => o.Retry = TimeSpan.Zero },
        { nameof(HeraldOptions.Retry), o => o.Retry = TimeSpan.FromHours(2) },
        { nameof(HeraldOptions.MaxEventBytes), o => o.MaxEventBytes = 0 },
        { nameof(HeraldOptions.MaxBatchBytes), o => o.MaxBatchBytes = 0 },
        { nameof(HeraldOptions.MaxBatchEvents), o => o.MaxBatchEvents = 0 },
        { nameof(HeraldOptions.HotTailCapacity), o => o.HotTailCapacity = 0 },
        { nameof(HeraldOptions.HotTailCapacity), o => o.HotTailCapacity = (1 << 20) + 1 },
        { nameof(HeraldOptions.PublisherKeys), o => o.PublisherKeys.Add("short") },
        { nameof(HeraldOptions.PublisherKeys), o => o.PublisherKeys.Add("") },
        { nameof(HeraldOptions.PublisherKeys), o => o.PublisherKeys.Add("has a space in the key") },
        { nameof(HeraldOptions.PublisherKeys), o => o.PublisherKeys.Add("0123456789abcdef\t") },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Validate_OneBadOption_ReportsOneErrorNamingIt(string option, Action<HeraldOptions> spoil)
    {
        HeraldOptions options = new();
        spoil(options);

        string error = Assert.Single(options.Validate());

        Assert.Contains(option, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_SeveralBadOptions_ReportsEach()
    {
        HeraldOptions options = new() { Retention = 0, MaxEventBytes = 0, Heartbeat = TimeSpan.Zero };

        IReadOnlyList<string> errors = options.Validate();

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains(nameof(HeraldOptions.Retention), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(nameof(HeraldOptions.MaxEventBytes), StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains(nameof(HeraldOptions.Heartbeat), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(100)]
    [InlineData(3_600_000)]
    public void Validate_HeartbeatAtEitherBound_ReportsNothing(int milliseconds)
    {
        Assert.Empty(new HeraldOptions { Heartbeat = TimeSpan.FromMilliseconds(milliseconds) }.Validate());
    }
}
