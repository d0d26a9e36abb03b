using System.Net;
using System.Text.Json;

namespace Herald.Packaging.Tests;

[Collection(PackedFeedCollection.Name)]
public sealed class ToolPackageTests(PackedFeed packed)
{
    [Theory]
    [InlineData("herald-server", "[options]", "--store")]
    [InlineData("herald", "[command] [options]", "publish")]
    [InlineData("herald-bench", "[command] [options]", "verify")]
    public async Task Installed_tool_prints_its_help_and_exits_zero(string command, string usage, string option)
    {
        using TempDirectory elsewhere = new();

        (int exitCode, string stdout, string stderr) = await Dotnet.RunToExitAsync(packed.Tool(command), ["--help"], elsewhere.Path, timeout: TestTimeouts.ProcessExit);

        Assert.True(exitCode == 0, $"{command} --help exited with {exitCode}.\n{stdout}\n{stderr}");
        Assert.Contains($"Usage:\n  {command} {usage}", stdout.ReplaceLineEndings("\n"), StringComparison.Ordinal);
        Assert.Contains(option, stdout, StringComparison.Ordinal);
        Assert.Equal("", stderr);
    }

    [Fact]
    public async Task Installed_server_keeps_its_default_store_in_the_working_directory_and_reads_its_appsettings()
    {
        using TempDirectory workingDirectory = new();
        await using InstalledServer server = await InstalledServer.StartAsync(packed.Tool("herald-server"), workingDirectory.Path, "--urls", "http://127.0.0.1:0");
        Assert.Equal("sqlite:./data/herald.db", server.Store);
        using HttpClient client = new() { BaseAddress = server.BaseAddress, Timeout = TestTimeouts.Frame };
        using StringContent body = new("installed");
        using HttpResponseMessage published = await client.PostAsync(new Uri("streams/packaging", UriKind.Relative), body);
        Assert.Equal(HttpStatusCode.Created, published.StatusCode);

        await server.StopAsync();

        Assert.True(server.ExitCode == 0, $"herald-server exited with {server.ExitCode}.\n{server.Log}");
        Assert.True(File.Exists(Path.Combine(workingDirectory.Path, "data", "herald.db")), $"No data/herald.db in the working directory.\n{server.Log}");

        // appsettings.json sets Microsoft.AspNetCore to Warning; without it ASP.NET Core logs every request at Information.
        Assert.DoesNotContain("Request starting", server.Log, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Installed_bench_measures_the_installed_server_and_finds_every_event_delivered_once()
    {
        // herald-bench is a tool of its own: this proves its package carries what it needs (Spectre.Console, the shared
        // command-line code) and that run works from the installed command, against the installed server.
        using TempDirectory workingDirectory = new();
        await using InstalledServer server = await InstalledServer.StartAsync(packed.Tool("herald-server"), workingDirectory.Path, "--urls", "http://127.0.0.1:0", "--store", "memory:");

        (int exitCode, string stdout, string stderr) = await Dotnet.RunToExitAsync(
            packed.Tool("herald-bench"),
            ["run", "--server", server.BaseAddress.ToString(), "--subscribers", "5", "--publishers", "1", "--rate", "100", "--duration", "1"],
            workingDirectory.Path,
            timeout: TestTimeouts.Bulk);

        Assert.True(exitCode == 0, $"herald-bench run exited with {exitCode}.\n{stdout}\n{stderr}\n{server.Log}");
        using JsonDocument json = JsonDocument.Parse(stdout);
        Assert.True(json.RootElement.GetProperty("publishes").GetInt64() > 0, stdout);
        Assert.True(json.RootElement.GetProperty("exact").GetBoolean(), stdout);
        Assert.Contains("herald-bench run fanout", stderr, StringComparison.Ordinal);
    }
}
