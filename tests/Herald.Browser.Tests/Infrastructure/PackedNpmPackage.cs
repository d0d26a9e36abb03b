using System.Reflection;
using Herald.Testing.Infrastructure;

namespace Herald.Browser.Tests.Infrastructure;

/// <summary>
/// The npm package as a front-end team gets it, made once for a test class: <c>clients/npm</c> copied to a temp
/// directory and packed there with <c>npm pack</c> (its prepack builds dist/ from src/Herald/Browser/herald.js), then a
/// consumer project (tests/Herald.Browser.Tests/NpmConsumer) that installs the tarball, <c>eventsource</c> and
/// <c>typescript</c>. Nothing is written outside the temp directory, which is deleted afterwards.
/// </summary>
public sealed class PackedNpmPackage : IAsyncLifetime, IDisposable
{
    /// <summary>Versions the registry offers (npm view … versions); eventsource 4 supports Node 20, as the package does.</summary>
    private static readonly string[] Dependencies = ["eventsource@4.1.0", "typescript@5.9.3"];

    private readonly TempDirectory _temp = new();

    public static string RepositoryRoot { get; } =
        typeof(PackedNpmPackage).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "RepositoryRoot").Value
        ?? throw new InvalidOperationException("The test assembly has no RepositoryRoot metadata.");

    /// <summary>npm's cache, logs included, for every npm and node command of these tests.</summary>
    public string NpmCache => _temp.File("npm-cache");

    /// <summary>The packed <c>herald-sse-&lt;version&gt;.tgz</c>.</summary>
    public string Tarball { get; private set; } = string.Empty;

    /// <summary>The consumer project: NpmConsumer's files plus node_modules.</summary>
    public string ConsumerDirectory => _temp.File("consumer");

    /// <summary>The installed package (the tarball's contents), as a bundler or Node resolves it.</summary>
    public string InstalledPackage => Path.Combine(ConsumerDirectory, "node_modules", "herald-sse");

    public async Task InitializeAsync()
    {
        string source = Path.Combine(RepositoryRoot, "clients", "npm");
        string package = _temp.File("package");
        CopyDirectory(source, package, skip: name => name is "dist" or "node_modules" || name.EndsWith(".tgz", StringComparison.Ordinal));
        string packed = _temp.File("packed");
        Directory.CreateDirectory(packed);
        await NodeTools.RunCheckedAsync(
            "npm", ["pack", "--pack-destination", packed], package, NpmCache, new Dictionary<string, string> { ["HERALD_REPO"] = RepositoryRoot });
        Tarball = Assert.Single(Directory.GetFiles(packed, "*.tgz"));

        CopyDirectory(Path.Combine(RepositoryRoot, "tests", "Herald.Browser.Tests", "NpmConsumer"), ConsumerDirectory, skip: _ => false);
        await NodeTools.RunCheckedAsync("npm", ["install", "--no-audit", "--no-fund", Tarball, .. Dependencies], ConsumerDirectory, NpmCache);
    }

    // xUnit calls Dispose after this; deleting the temp directory there also covers an InitializeAsync that failed.
    public Task DisposeAsync() => Task.CompletedTask;

    public void Dispose() => _temp.Dispose();

    private static void CopyDirectory(string from, string to, Func<string, bool> skip)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from).Where(f => !skip(Path.GetFileName(f))))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }

        foreach (string directory in Directory.GetDirectories(from).Where(d => !skip(Path.GetFileName(d))))
        {
            CopyDirectory(directory, Path.Combine(to, Path.GetFileName(directory)), skip);
        }
    }
}
