using System.Text.RegularExpressions;
using System.Xml.Linq;

namespace Herald.Packaging.Tests;

/// <summary>
/// Every src/ project packed once for all packaging tests into a temporary folder, which is then the only package
/// source from which the three tools are installed into a temporary tool path — as a user would install them, but offline.
/// Packing uses the build output this test run already has (NoBuild), so nothing is compiled a second time beside the
/// outer build; it only writes the packages, each project's nuspec under obj/ and the tools' publish folders.
/// </summary>
public sealed partial class PackedFeed : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _root = new();

    public string Feed => Path.Combine(_root.Path, "feed");

    public string ToolPath => Path.Combine(_root.Path, "tools");

    /// <summary>The version every package was packed with (VersionPrefix in Directory.Build.props).</summary>
    public string Version { get; private set; } = "";

    public string Package(string id, string extension = "nupkg") => Path.Combine(Feed, $"{id}.{Version}.{extension}");

    public string Tool(string command) => Path.Combine(ToolPath, command);

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Feed);
        string traversal = Path.Combine(_root.Path, "pack.proj");
        string[] projects = Directory.GetFiles(Path.Combine(RepositoryBuild.Root, "src"), "*.csproj", SearchOption.AllDirectories);
        new XElement("Project",
            new XElement("Target", new XAttribute("Name", "Pack"),
                new XElement("MSBuild",
                    new XAttribute("Projects", string.Join(';', projects)),
                    new XAttribute("Targets", "Pack"),
                    new XAttribute("BuildInParallel", "true")))).Save(traversal);

        // What `dotnet pack --no-build -c <Configuration> -o <feed>` does for one project, for all of them in one MSBuild run.
        await Dotnet.RunAsync(
            ["msbuild", traversal, "-t:Pack", "-nologo", "-nodeReuse:false", "-p:NoBuild=true",
             $"-p:Configuration={RepositoryBuild.Configuration}", $"-p:PackageOutputPath={Feed}/"],
            _root.Path);

        string server = Directory.GetFiles(Feed, "Herald.Server.*.nupkg").Single();
        Version = ServerPackageVersion().Match(Path.GetFileName(server)).Groups["version"].Value;

        // The local folder and nothing else: a tool package carries its dependencies, so the install needs no network.
        string config = Path.Combine(_root.Path, "nuget.config");
        new XElement("configuration",
            new XElement("packageSources",
                new XElement("clear"),
                new XElement("add", new XAttribute("key", "herald-local"), new XAttribute("value", Feed)))).Save(config);
        Dictionary<string, string> isolated = new() { ["NUGET_PACKAGES"] = Path.Combine(_root.Path, "nuget-packages") };
        foreach (string id in (string[])["Herald.Server", "Herald.Cli", "Herald.Bench"])
        {
            await Dotnet.RunAsync(
                ["tool", "install", id, "--version", Version, "--tool-path", ToolPath, "--configfile", config],
                _root.Path,
                isolated);
        }
    }

    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _root.Dispose();

    [GeneratedRegex(@"^Herald\.Server\.(?<version>\d.*)\.nupkg$")]
    private static partial Regex ServerPackageVersion();
}

[CollectionDefinition(Name)]
public sealed class PackedFeedCollection : ICollectionFixture<PackedFeed>
{
    public const string Name = "packed feed";
}
