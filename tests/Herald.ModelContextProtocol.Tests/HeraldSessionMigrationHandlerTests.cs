using System.Security.Claims;
using Microsoft.AspNetCore.Http;
using ModelContextProtocol.Protocol;

namespace Herald.ModelContextProtocol.Tests;

public sealed class HeraldSessionMigrationHandlerTests
{
    [Fact]
    public async Task A_stored_session_is_taken_over_after_a_reopen_by_its_own_user_only()
    {
        await using SqliteStore sqlite = await SqliteStore.OpenAsync();
        InitializeRequestParams initialize = new()
        {
            ProtocolVersion = "2025-11-25",
            ClientInfo = new Implementation { Name = "client", Version = "1.2" },
            Capabilities = new ClientCapabilities(),
        };
        await new HeraldSessionMigrationHandler(sqlite.Log).OnSessionInitializedAsync(As("alice"), "s1", initialize, default);

        await sqlite.ReopenAsync();
        HeraldSessionMigrationHandler restarted = new(sqlite.Log);
        InitializeRequestParams? taken = await restarted.AllowSessionMigrationAsync(As("alice"), "s1", default);

        Assert.NotNull(taken);
        Assert.Equal("2025-11-25", taken.ProtocolVersion);
        Assert.Equal("client", taken.ClientInfo.Name);
        Assert.Null(await restarted.AllowSessionMigrationAsync(As("mallory"), "s1", default));
        Assert.Null(await restarted.AllowSessionMigrationAsync(new DefaultHttpContext(), "s1", default));
        Assert.Null(await restarted.AllowSessionMigrationAsync(As("alice"), "s2", default));
    }

    private static DefaultHttpContext As(string user) =>
        new() { User = new ClaimsPrincipal(new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, user)], authenticationType: "test")) };
}
