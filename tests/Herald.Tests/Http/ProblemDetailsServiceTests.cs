using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Http;

/// <summary>
/// An app that registered ASP.NET Core's problem details service (<c>AddProblemDetails</c>) gets its customizations on
/// Herald's errors too, and an <c>EventSource</c>-style request that the service declines still gets problem+json.
/// </summary>
public sealed class ProblemDetailsServiceTests
{
    [Fact]
    public async Task InvalidStreamName_WithTheAppsProblemDetails_CarriesHeraldsFieldsAndTheAppsExtension()
    {
        await using HeraldHost host = await StartAsync();
        HttpClient http = host.Client;

        using HttpResponseMessage response = await http.PostAsync("/streams/.bad", new StringContent("x"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:herald:problem:invalid-stream-name", body.RootElement.GetProperty("type").GetString());
        Assert.Equal("Invalid stream name", body.RootElement.GetProperty("title").GetString());
        Assert.Equal(400, body.RootElement.GetProperty("status").GetInt32());
        Assert.Contains(".bad", body.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("node-1", body.RootElement.GetProperty("node").GetString());
    }

    [Fact]
    public async Task BatchError_WithTheAppsProblemDetails_KeepsTheLineNumber()
    {
        await using HeraldHost host = await StartAsync();
        HttpClient http = host.Client;

        using HttpResponseMessage response = await http.PostAsync(
            "/streams/orders/batch",
            new StringContent("{\"data\":\"ok\"}\nnot json\n", Encoding.UTF8, "application/x-ndjson"));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal(2, body.RootElement.GetProperty("line").GetInt32());
        Assert.Equal("node-1", body.RootElement.GetProperty("node").GetString());
    }

    [Fact]
    public async Task InvalidPosition_AskedAsAnEventStream_IsStillProblemJson()
    {
        await using HeraldHost host = await StartAsync();
        HttpClient http = host.Client;
        using HttpRequestMessage request = new(HttpMethod.Get, "/streams/orders");
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "not-a-number");

        using HttpResponseMessage response = await http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:herald:problem:invalid-position", body.RootElement.GetProperty("type").GetString());
    }

    private static Task<HeraldHost> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        HeraldHost.QuietLogging(builder);
        builder.Services.AddProblemDetails(o => o.CustomizeProblemDetails = c => c.ProblemDetails.Extensions["node"] = "node-1");
        builder.Services.AddHerald().UseInMemory();
        WebApplication app = builder.Build();
        app.MapHerald("/streams");
        return HeraldHost.StartAsync(app);
    }
}
