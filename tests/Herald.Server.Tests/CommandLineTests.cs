using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>docs/protocol.md "Command line": --help exits 0 and lists the options; an invalid option is one line on stderr and exit 2.</summary>
public sealed class CommandLineTests
{
    public static TheoryData<string[]> BadOptions => new()
    {
        new[] { "--bogus" },
        new[] { "--retention", "0" },
        new[] { "--retention", "-5" },
        new[] { "--retention", "abc" },
        new[] { "--store", "foo:" },
        new[] { "--store", "sqlite:" },
        new[] { "--heartbeat", "-1" },
        new[] { "--heartbeat", "abc" },
        new[] { "--shutdown-timeout", "-1" },
        new[] { "--delivery-window", "-1" },
        new[] { "--delivery-window", "1001" },
        new[] { "--urls", "ftp://127.0.0.1:1" },
        new[] { "--publisher-key", "short" },
        new[] { "--retention" },
        new[] { "--store", "redis://" },
        new[] { "--store", "redis://host:notaport" },
        new[] { "--redis-wait-replicas", "1" },
        new[] { "--store", "redis://127.0.0.1:6379", "--redis-wait-replicas", "-1" },
    };

    [Fact]
    public void Parse_Help_ExitsZeroAndListsEveryOption()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(["--help"], output, error);

        Assert.Null(settings);
        Assert.Equal(0, exitCode);
        foreach (string option in new[] { "--urls", "--store", "--retention", "--publisher-key", "--subscriber-key", "--heartbeat", "--delivery-window", "--shutdown-timeout", "--redis-wait-replicas", "--io-scheduling", "--help" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }

        Assert.Equal(string.Empty, error.ToString());
    }

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Parse_InvalidOption_ExitsTwoWithOneLineOnStderr(string[] args)
    {
        using StringWriter output = new();
        using StringWriter error = new();

        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(args, output, error);

        Assert.Null(settings);
        Assert.Equal(2, exitCode);
        AssertOneLine(error.ToString(), args);
        Assert.Equal(string.Empty, output.ToString());
    }

    /// <summary>
    /// System.CommandLine's message for a value outside AcceptOnlyFromAmong lists the choices on lines of their own, and
    /// ServerCommandLine.Parse passes it through as is.
    /// </summary>
    [Theory]
    [InlineData("--sqlite-synchronous")]
    [InlineData("--io-scheduling")]
    public void Parse_ChoiceOptionOutsideItsChoices_ExitsTwoWithOneLineOnStderr(string option)
    {
        using StringWriter error = new();

        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse([option, "sometimes"], TextWriter.Null, error);

        Assert.Null(settings);
        Assert.Equal(2, exitCode);
        AssertOneLine(error.ToString(), [option, "sometimes"]);
    }

    [Fact]
    public void Parse_Defaults_MatchApi()
    {
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse([], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.NotNull(settings);
        Assert.Equal("http://127.0.0.1:5080", settings.Urls);
        Assert.Equal("sqlite:./data/herald.db", settings.Store.ToString());
        Assert.Equal(100_000, settings.Herald.Retention);
        Assert.Equal(TimeSpan.FromSeconds(15), settings.Herald.Heartbeat);
        Assert.Equal(TimeSpan.FromSeconds(10), settings.ShutdownTimeout);
        Assert.Equal(TimeSpan.FromMilliseconds(5), settings.Herald.DeliveryWindow);
        Assert.Empty(settings.Herald.PublisherKeys);
    }

    [Theory]
    [InlineData("0", 0)]
    [InlineData("20", 20)]
    [InlineData("2.5", 2.5)]
    public void Parse_DeliveryWindow_IsKeptInMilliseconds(string value, double milliseconds)
    {
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(["--delivery-window", value], TextWriter.Null, TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), settings!.Herald.DeliveryWindow);
    }

    [Fact]
    public void Parse_RepeatedPublisherKey_KeepsEveryKey()
    {
        (ServerSettings? settings, _) = ServerCommandLine.Parse(
            ["--publisher-key", "first-key-0123456789", "--publisher-key", "second-key-0123456789", "--store", "memory:", "--retention", "10"],
            TextWriter.Null,
            TextWriter.Null);

        Assert.NotNull(settings);
        Assert.Equal(["first-key-0123456789", "second-key-0123456789"], settings.Herald.PublisherKeys);
        Assert.Equal(StoreLocation.Parse("memory:"), settings.Store);
        Assert.Equal(10, settings.Herald.Retention);
    }

    internal static void AssertOneLine(string error, string[] args)
    {
        string[] lines = error.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.True(lines.Length == 1, $"{string.Join(' ', args)}: expected one line on stderr, got {lines.Length}:\n{error}");
        Assert.DoesNotContain("   at ", error, StringComparison.Ordinal);
    }
}

/// <summary>The same contract through the real executable: exit codes and stderr as a shell sees them.</summary>
[Collection(ServerProcessCollection.Name)]
public sealed class CommandLineProcessTests
{
    [Fact]
    public async Task Process_Help_ExitsZero()
    {
        (int exitCode, string stdout, string stderr) = await ServerProcess.RunToExitAsync("--help");

        Assert.True(exitCode == 0, $"--help exited {exitCode}: {stderr}");
        Assert.Contains("--retention", stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--bogus")]
    [InlineData("--retention", "0")]
    [InlineData("--store", "foo:")]
    public async Task Process_InvalidOption_ExitsTwoWithOneLineOnStderr(params string[] args)
    {
        (int exitCode, string stdout, string stderr) = await ServerProcess.RunToExitAsync(args);

        Assert.True(exitCode == 2, $"{string.Join(' ', args)} exited {exitCode}; stdout: {stdout}; stderr: {stderr}");
        CommandLineTests.AssertOneLine(stderr, args);
    }

    [Fact]
    public void Parse_RedisStoreWithWaitReplicas_KeepsUriAndHidesPasswordInName()
    {
        using StringWriter output = new();
        using StringWriter error = new();

        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(["--store", "redis://:secret@127.0.0.1:6390/2", "--redis-wait-replicas", "1"], output, error);

        Assert.Equal(0, exitCode);
        Assert.NotNull(settings);
        Assert.Equal(StoreKind.Redis, settings.Store.Kind);
        Assert.Equal("redis://:secret@127.0.0.1:6390/2", settings.Store.Path);
        Assert.Equal("redis://***@127.0.0.1:6390/2", settings.Store.ToString());
        Assert.Equal(1, settings.RedisWaitReplicas);
    }
}
