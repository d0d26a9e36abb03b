using Herald.Http.Formats;
using Herald.Http.Security;
using Herald.Server.Tests.Infrastructure;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Herald.Server.Tests;

/// <summary>A listing of every stream's name (HeraldGuards.SubscriberMayListAsync) needs a token granting '*', not one naming a few streams.</summary>
public sealed class SubscriberListingAuthTests
{
    private readonly SubscriberAuthorization _authorization = new(Options.Create(new HeraldOptions { SubscriberKey = SubscriberTokens.Key }));

    [Fact]
    public async Task CheckAllStreams_StarToken_IsAllowed()
    {
        Assert.Null(await _authorization.CheckAsync(WithToken(SubscriberTokens.For("*")), SubscriberAuthorization.AllStreams));
    }

    [Fact]
    public async Task CheckAllStreams_TokenNamingStreams_Answers403()
    {
        Problem? problem = await _authorization.CheckAsync(WithToken(SubscriberTokens.For("orders", "audit")), SubscriberAuthorization.AllStreams);

        Assert.Equal(StatusCodes.Status403Forbidden, problem?.Status);
    }

    [Fact]
    public async Task CheckAllStreams_NoToken_Answers401()
    {
        Problem? problem = await _authorization.CheckAsync(new DefaultHttpContext(), SubscriberAuthorization.AllStreams);

        Assert.Equal(StatusCodes.Status401Unauthorized, problem?.Status);
    }

    private static DefaultHttpContext WithToken(string token)
    {
        DefaultHttpContext context = new();
        context.Request.Headers.Authorization = "Bearer " + token;
        return context;
    }
}
