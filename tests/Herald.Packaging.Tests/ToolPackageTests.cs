using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Herald.Packaging.Tests;

[Collection(PackedFeedCollection.Name)]
public sealed partial class ToolPackageTests(PackedFeed packed)
{
    [Theory]
    [InlineData("herald-server", "[options]", "--store")]
    [InlineData("herald", "[command] [options]", "publish")]
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
        using Process server = new() { StartInfo = Dotnet.StartInfo(packed.Tool("herald-server"), ["--urls", "http://127.0.0.1:0"], workingDirectory.Path) };
        StringBuilder output = new();
        Lock outputLock = new();
        TaskCompletionSource<Uri> serving = new(TaskCreationOptions.RunContinuationsAsynchronously);
        void OnLine(string? line)
        {
            if (line is null)
            {
                return;
            }

            lock (outputLock)
            {
                output.AppendLine(line);
            }

            Match match = ServingLine().Match(line);
            if (match.Success)
            {
                serving.TrySetResult(new Uri(match.Groups["url"].Value));
            }
        }

        server.OutputDataReceived += (_, e) => OnLine(e.Data);
        server.ErrorDataReceived += (_, e) => OnLine(e.Data);
        server.Start();
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        try
        {
            Uri baseAddress = await serving.Task.WaitAsync(TestTimeouts.Start);
            using HttpClient client = new() { BaseAddress = baseAddress, Timeout = TestTimeouts.Frame };
            using StringContent body = new("installed");
            using HttpResponseMessage published = await client.PostAsync(new Uri("streams/packaging", UriKind.Relative), body);
            Assert.Equal(HttpStatusCode.Created, published.StatusCode);

            using Process kill = Process.Start("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)]);
            await kill.WaitForExitAsync();
            await server.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        }
        finally
        {
            if (!server.HasExited)
            {
                server.Kill();
            }
        }

        string log;
        lock (outputLock)
        {
            log = output.ToString();
        }

        Assert.True(server.ExitCode == 0, $"herald-server exited with {server.ExitCode}.\n{log}");
        Assert.True(File.Exists(Path.Combine(workingDirectory.Path, "data", "herald.db")), $"No data/herald.db in the working directory.\n{log}");

        // appsettings.json sets Microsoft.AspNetCore to Warning; without it ASP.NET Core logs every request at Information.
        Assert.DoesNotContain("Request starting", log, StringComparison.Ordinal);
    }

    [GeneratedRegex(@"Herald is serving sqlite:\./data/herald\.db on (?<url>https?://[^\s,]+)")]
    private static partial Regex ServingLine();
}
