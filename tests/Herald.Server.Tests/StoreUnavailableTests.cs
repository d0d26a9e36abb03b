using System.Net;
using System.Text;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests;

/// <summary>
/// docs/protocol.md: a store that cannot answer is a <c>503</c> problem with <c>Retry-After</c>, never a <c>500</c>. The fault is
/// real: the host's SQLite store is shut down under the running server, as a failing disk or a closing host would.
/// </summary>
public sealed class StoreUnavailableTests
{
    public static TheoryData<string, string> Requests => new()
    {
        { "GET", "/streams/orders" },
        { "GET", "/streams/orders/info" },
        { "GET", "/streams/orders/events?after=0" },
        { "POST", "/streams/orders" },
        { "POST", "/streams/orders/batch" },
    };

    [Theory]
    [MemberData(nameof(Requests))]
    public async Task Request_StoreShutDown_Answers503ProblemWithRetryAfter(string method, string path)
    {
        using TempDirectory dir = new();
        await using HeraldHost host = await HeraldHost.StartAsync(new ServerSettings { Store = StoreLocation.Parse("sqlite:" + dir.File("herald.db")) });
        await host.Client.PublishAsync("orders", "before the fault");
        await host.App.Services.GetRequiredService<IEventLog>().DisposeAsync();

        using HttpRequestMessage request = new(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new ByteArrayContent(Encoding.UTF8.GetBytes(path.EndsWith("/batch", StringComparison.Ordinal) ? "{\"data\":\"x\"}\n" : "x"));
        }

        using HttpResponseMessage response = await host.Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.RetryAfter);
        string body = await response.Content.ReadAsStringAsync();
        Assert.Contains("\"status\":503", body, StringComparison.Ordinal);

        using HttpResponseMessage ready = await host.Client.GetAsync("/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
    }
}
