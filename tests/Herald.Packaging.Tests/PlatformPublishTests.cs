using System.Net;
using System.Reflection.PortableExecutable;
using System.Runtime.InteropServices;
using System.Text.Json;

namespace Herald.Packaging.Tests;

/// <summary>
/// The deployment docs/operations.md ("systemd") describes: <c>dotnet publish src/Herald.Server -r &lt;platform&gt;
/// --self-contained false</c>. Such a publish ships Herald's assemblies compiled ahead of time (ReadyToRun), so a node that
/// has just started serves its reconnecting clients' catch-ups without waiting for the JIT, and the published server runs.
/// </summary>
public sealed class PlatformPublishTests
{
    [Fact]
    public async Task Platform_publish_ships_Herald_compiled_ahead_of_time_and_the_published_server_serves()
    {
        using TempDirectory root = new();
        string output = Path.Combine(root.Path, "herald");

        // Its own artifacts folder: this publish compiles the projects for one platform, and must not touch the build
        // output (bin/, obj/) the rest of this test run uses.
        await Dotnet.RunAsync(
            ["publish", Path.Combine(RepositoryBuild.Root, "src", "Herald.Server", "Herald.Server.csproj"),
             "-c", RepositoryBuild.Configuration, "-r", RuntimeInformation.RuntimeIdentifier, "--self-contained", "false",
             "--artifacts-path", Path.Combine(root.Path, "artifacts"), "-o", output, "-nologo", "-nodeReuse:false"],
            root.Path);

        foreach (string assembly in (string[])["Herald.dll", "Herald.Sqlite.dll", "Herald.Redis.dll", "Herald.Server.dll"])
        {
            using FileStream file = File.OpenRead(Path.Combine(output, assembly));
            using PEReader pe = new(file);

            // A ReadyToRun image carries its machine code in the managed native header; IL-only assemblies have none.
            Assert.True(pe.PEHeaders.CorHeader!.ManagedNativeHeaderDirectory.Size > 0, $"{assembly} was published as IL only, not compiled ahead of time.");
        }

        await using InstalledServer server = await InstalledServer.StartAsync(
            Path.Combine(output, "Herald.Server"), root.Path, "--urls", "http://127.0.0.1:0", "--store", "sqlite:" + Path.Combine(root.Path, "herald.db"));
        using HttpClient client = new() { BaseAddress = server.BaseAddress, Timeout = TestTimeouts.Frame };
        for (int expected = 1; expected <= 2; expected++)
        {
            using StringContent body = new($"published {expected}");
            using HttpResponseMessage published = await client.PostAsync(new Uri("streams/deployed", UriKind.Relative), body);
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);
            using JsonDocument ack = JsonDocument.Parse(await published.Content.ReadAsStringAsync());
            Assert.Equal(expected, ack.RootElement.GetProperty("id").GetInt64());
        }

        await server.StopAsync();
        Assert.True(server.ExitCode == 0, $"The published server exited with {server.ExitCode}.\n{server.Log}");
    }
}
