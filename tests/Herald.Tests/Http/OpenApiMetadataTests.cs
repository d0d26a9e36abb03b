using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.ApiExplorer;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Tests.Http;

/// <summary>
/// <c>MapHerald</c> describes its endpoints to ASP.NET Core's API explorer, which OpenAPI generators read: every route
/// with its method, name, summary, tag, request and response content types and problem statuses.
/// </summary>
public sealed class OpenApiMetadataTests
{
    public static TheoryData<string, string, string, int, string> Endpoints => new()
    {
        // method, route, name, success status, success content type
        { "GET", "streams/", "HeraldListStreams", 200, "application/json" },
        { "GET", "streams/{name}", "HeraldSubscribe", 200, "text/event-stream" },
        { "GET", "subscribe", "HeraldSubscribeMany", 200, "text/event-stream" },
        { "POST", "streams/{name}", "HeraldPublish", 201, "application/json" },
        { "POST", "streams/{name}/batch", "HeraldPublishBatch", 201, "application/json" },
        { "GET", "streams/{name}/info", "HeraldStreamInfo", 200, "application/json" },
        { "GET", "streams/{name}/events", "HeraldReadEvents", 200, "application/json" },
    };

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task MapHerald_DescribesEachEndpointForOpenApi(string method, string route, string name, int status, string contentType)
    {
        await using HeraldHost host = await StartAsync();
        WebApplication app = host.App;

        ApiDescription description = Assert.Single(
            app.Services.GetRequiredService<IApiDescriptionGroupCollectionProvider>().ApiDescriptionGroups.Items.SelectMany(g => g.Items),
            d => d.HttpMethod == method && d.RelativePath == route);

        Assert.Equal(name, description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Routing.IEndpointNameMetadata>().Single().EndpointName);
        Assert.False(string.IsNullOrWhiteSpace(description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Http.Metadata.IEndpointSummaryMetadata>().Single().Summary));
        Assert.Contains("Herald", description.ActionDescriptor.EndpointMetadata.OfType<Microsoft.AspNetCore.Http.Metadata.ITagsMetadata>().SelectMany(t => t.Tags));
        ApiResponseType success = Assert.Single(description.SupportedResponseTypes, r => r.StatusCode == status);
        Assert.Contains(success.ApiResponseFormats, f => f.MediaType == contentType);
        foreach (int problem in new[] { 400, 401, 403, 503 })
        {
            ApiResponseType refused = Assert.Single(description.SupportedResponseTypes, r => r.StatusCode == problem);
            Assert.Contains(refused.ApiResponseFormats, f => f.MediaType == "application/problem+json");
        }

        if (route.Contains("{name}", StringComparison.Ordinal))
        {
            Assert.Contains(description.ParameterDescriptions, p => p.Name == "name");
        }
    }

    /// <summary>Routing enforces request content types named in metadata (415): Herald names none, since any body is data.</summary>
    [Theory]
    [InlineData("/streams/any", "plain data", null)]
    [InlineData("/streams/any", "plain data", "application/octet-stream")]
    [InlineData("/streams/any/batch", "{\"data\":\"x\"}\n", null)]
    [InlineData("/streams/any/batch", "{\"data\":\"x\"}\n", "text/plain")]
    public async Task MapHerald_PublishWithAnyContentType_IsStillAccepted(string path, string body, string? contentType)
    {
        await using HeraldHost host = await StartAsync();
        HttpClient http = host.Client;
        using ByteArrayContent content = new(System.Text.Encoding.UTF8.GetBytes(body));
        if (contentType is not null)
        {
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue(contentType);
        }

        using HttpResponseMessage response = await http.PostAsync(path, content);

        Assert.Equal(System.Net.HttpStatusCode.Created, response.StatusCode);
    }

    /// <summary>Started: the app's endpoints reach the API explorer when its pipeline is built.</summary>
    private static Task<HeraldHost> StartAsync()
    {
        WebApplicationBuilder builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        HeraldHost.QuietLogging(builder);
        builder.Services.AddHerald().UseInMemory();
        builder.Services.AddEndpointsApiExplorer();
        WebApplication app = builder.Build();
        app.MapHerald("/streams");
        return HeraldHost.StartAsync(app);
    }
}
