using System.Net;
using StackExchange.Redis;

namespace Herald.Redis.Tests;

public sealed class RedisUriTests
{
    [Fact]
    public void Parse_HostAndPort_GivesOneEndpointWithoutTls()
    {
        ConfigurationOptions options = RedisUri.Parse("redis://redis.local:6390");

        DnsEndPoint endpoint = Assert.IsType<DnsEndPoint>(Assert.Single(options.EndPoints), exactMatch: false);
        Assert.Equal(("redis.local", 6390), (endpoint.Host, endpoint.Port));
        Assert.False(options.Ssl);
        Assert.Null(options.Password);
        Assert.Equal(0, options.DefaultDatabase);
    }

    [Fact]
    public void Parse_PasswordDatabaseAndSeveralEndpoints_ReadsEachPart()
    {
        ConfigurationOptions options = RedisUri.Parse("rediss://:p%40ss%3Aw@a.example:7000,b.example/3");

        Assert.True(options.Ssl);
        Assert.Equal("a.example", options.SslHost);
        Assert.Null(options.User);
        Assert.Equal("p@ss:w", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.Equal([("a.example", 7000), ("b.example", 6379)], options.EndPoints.Cast<DnsEndPoint>().Select(e => (e.Host, e.Port)));
    }

    [Fact]
    public void Parse_UserAndPassword_KeepsBoth()
    {
        ConfigurationOptions options = RedisUri.Parse("redis://herald:secret@localhost");

        Assert.Equal(("herald", "secret"), (options.User, options.Password));
    }

    [Theory]
    [InlineData("http://localhost")]
    [InlineData("redis://")]
    [InlineData("redis://host:notaport")]
    [InlineData("redis://host:70000")]
    [InlineData("redis://host/db")]
    [InlineData("redis://:secret@")]
    public void TryParse_Invalid_FailsWithMessageWithoutPassword(string uri)
    {
        Assert.False(RedisUri.TryParse(uri, out _, out string? error));
        Assert.False(string.IsNullOrWhiteSpace(error));
        Assert.DoesNotContain("secret", error, StringComparison.Ordinal);
    }
}
