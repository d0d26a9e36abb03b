using Herald.Server.Tests.Infrastructure;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.Options;

namespace Herald.Server.Tests;

/// <summary>The security and limit options: parsed into the settings, bad values refused with one line and exit code 2.</summary>
public sealed class SecurityOptionsCommandLineTests
{
    public static TheoryData<string[]> BadOptions => new()
    {
        new[] { "--subscriber-key", "too-short-secret" },
        new[] { "--subscriber-key" },
        new[] { "--cors-origin", "app.example.com" },
        new[] { "--cors-origin", "https://app.example.com/path" },
        new[] { "--cors-origin", "ftp://app.example.com" },
        new[] { "--max-connections", "-1" },
        new[] { "--max-connections-per-ip", "-1" },
        new[] { "--max-connections-per-ip", "many" },
        new[] { "--publish-rate", "-1" },
        new[] { "--publish-burst", "-1" },
        new[] { "--max-event-bytes", "10" },
        new[] { "--max-batch-bytes", "0" },
        new[] { "--max-request-headers-bytes", "100" },
        new[] { "--max-request-line-bytes", "99999999" },
        new[] { "--trusted-proxy", "nginx.internal" },
        new[] { "--trusted-proxy", "10" },
        new[] { "--trusted-proxy", "10.0.0.0/33" },
    };

    [Theory]
    [MemberData(nameof(BadOptions))]
    public void Parse_InvalidSecurityOrLimitOption_ExitsTwoWithOneLineNamingIt(string[] args)
    {
        using StringWriter error = new();

        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(args, TextWriter.Null, error);

        Assert.Null(settings);
        Assert.Equal(2, exitCode);
        CommandLineTests.AssertOneLine(error.ToString(), args);
        Assert.Contains(args[0], error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_SecurityAndLimitOptions_AreKept()
    {
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(
            [
                "--subscriber-key", SubscriberTokens.Key, "--cors-origin", "https://app.example.com", "--cors-origin", "http://localhost:3000",
                "--max-connections", "20000", "--max-connections-per-ip", "0", "--publish-rate", "50", "--publish-burst", "200",
                "--max-event-bytes", "4096", "--max-batch-bytes", "65536", "--max-request-headers-bytes", "16384", "--max-request-line-bytes", "4096",
            ],
            TextWriter.Null,
            TextWriter.Null);

        Assert.Equal(0, exitCode);
        Assert.NotNull(settings);
        Assert.Equal(SubscriberTokens.Key, settings.Herald.SubscriberKey);
        Assert.Equal(["https://app.example.com", "http://localhost:3000"], settings.Herald.CorsOrigins);
        Assert.Equal(20_000, settings.Herald.MaxConnections);
        Assert.Equal(0, settings.Herald.MaxConnectionsPerIp);
        Assert.Equal(50, settings.Herald.PublishRateLimit);
        Assert.Equal(200, settings.Herald.PublishBurst);
        Assert.Equal(4096, settings.Herald.MaxEventBytes);
        Assert.Equal(65536, settings.Herald.MaxBatchBytes);
        Assert.Equal(16384, settings.MaxRequestHeadersBytes);
        Assert.Equal(4096, settings.MaxRequestLineBytes);
    }

    [Fact]
    public void Parse_TrustedProxies_ReplaceTheLoopbackDefault()
    {
        (ServerSettings? defaults, _) = ServerCommandLine.Parse([], TextWriter.Null, TextWriter.Null);
        (ServerSettings? settings, int exitCode) = ServerCommandLine.Parse(
            ["--trusted-proxy", "10.0.0.2", "--trusted-proxy", "10.1.0.0/16", "--trusted-proxy", "fd00::/8", "--trusted-proxy", "::1"],
            TextWriter.Null,
            TextWriter.Null);

        Assert.Equal(["127.0.0.0/8", "::1/128"], defaults!.TrustedProxies.Select(n => n.ToString()));
        Assert.Equal(0, exitCode);
        Assert.Equal(["10.0.0.2/32", "10.1.0.0/16", "fd00::/8", "::1/128"], settings!.TrustedProxies.Select(n => n.ToString()));
    }

    [Fact]
    public void Parse_Defaults_AreOpenSubscribersCappedConnectionsAndNoRateLimit()
    {
        (ServerSettings? settings, _) = ServerCommandLine.Parse([], TextWriter.Null, TextWriter.Null);

        Assert.NotNull(settings);
        Assert.Null(settings.Herald.SubscriberKey);
        Assert.Empty(settings.Herald.CorsOrigins);
        Assert.Equal(10_000, settings.Herald.MaxConnections);
        Assert.Equal(100, settings.Herald.MaxConnectionsPerIp);
        Assert.Equal(0, settings.Herald.PublishRateLimit);
        Assert.Equal(1024 * 1024, settings.Herald.MaxEventBytes);
        Assert.Equal(16 * 1024 * 1024, settings.Herald.MaxBatchBytes);
    }

    [Fact]
    public void Parse_Help_ListsSecurityAndLimitOptions()
    {
        using StringWriter output = new();

        ServerCommandLine.Parse(["--help"], output, TextWriter.Null);

        foreach (string option in new[] { "--subscriber-key", "--cors-origin", "--max-connections", "--max-connections-per-ip", "--publish-rate", "--publish-burst", "--trusted-proxy", "--max-event-bytes", "--max-batch-bytes", "--max-request-headers-bytes", "--max-request-line-bytes" })
        {
            Assert.Contains(option, output.ToString(), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Start_OptionsValidation_RefusesAShortSubscriberKeyNamingTheOption()
    {
        OptionsValidationException error = await Assert.ThrowsAsync<OptionsValidationException>(async () =>
        {
            await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { SubscriberKey = "short" } });
        });

        Assert.Contains("SubscriberKey", error.Message, StringComparison.Ordinal);
    }
}
