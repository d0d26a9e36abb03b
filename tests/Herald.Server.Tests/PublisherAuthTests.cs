using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Herald.Testing.Infrastructure;

namespace Herald.Server.Tests;

/// <summary>docs/protocol.md "Security": with publisher keys, publishing needs the bearer key; without any, loopback may publish.</summary>
public sealed class PublisherAuthTests
{
    private const string Key = "publisher-key-0123456789";

    [Theory]
    [InlineData(null, HttpStatusCode.Unauthorized)]
    [InlineData("Bearer wrong-key-0123456789abc", HttpStatusCode.Unauthorized)]
    [InlineData("Basic " + Key, HttpStatusCode.Unauthorized)]
    [InlineData("Bearer " + Key, HttpStatusCode.Created)]
    public async Task Publish_WithPublisherKeysConfigured_NeedsTheBearerKey(string? authorization, HttpStatusCode expected)
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { Key, "second-key-0123456789" } } });

        foreach (string path in new[] { "/streams/guarded", "/streams/guarded/batch" })
        {
            using HttpResponseMessage response = await host.Client.PostAsync(path, Encoding.UTF8.GetBytes("{\"data\":\"x\"}"), r =>
            {
                if (authorization is not null)
                {
                    r.Headers.Authorization = AuthenticationHeaderValue.Parse(authorization);
                }
            });

            Assert.True(response.StatusCode == expected, $"{path} with '{authorization}': expected {expected}, got {response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
            if (expected == HttpStatusCode.Unauthorized)
            {
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            }
        }

        long expectedLast = expected == HttpStatusCode.Created ? 2 : 0;
        Assert.Equal(expectedLast, (await host.Client.GetInfoAsync("guarded")).Last);
    }

    [Fact]
    public async Task Publish_SecondConfiguredKey_IsAccepted()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { Key, "second-key-0123456789" } } });

        using HttpResponseMessage response = await host.Client.PostAsync("/streams/guarded", Encoding.UTF8.GetBytes("x"), r =>
            r.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "second-key-0123456789"));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
    }

    [Fact]
    public async Task Publish_NoKeysFromLoopback_Answers201()
    {
        await using HeraldHost host = await HeraldHost.StartAsync();

        Assert.Equal(1, await host.Client.PublishAsync("open", "x"));
    }

    [Fact]
    public async Task Subscribe_WithPublisherKeysConfigured_NeedsNoKey()
    {
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Herald = { PublisherKeys = { Key } } });

        await using SseClient client = await SseClient.ConnectAsync(host.Client, "/streams/guarded");
        await client.WaitForTypeAsync("hello");
    }
}
