using System.IO.Compression;

namespace Herald.Packaging.Tests;

[Collection(PackedFeedCollection.Name)]
public sealed class LibraryPackageTests(PackedFeed packed)
{
    [Theory]
    [InlineData("Herald")]
    [InlineData("Herald.Sqlite")]
    [InlineData("Herald.Redis")]
    [InlineData("Herald.Client")]
    [InlineData("Herald.ModelContextProtocol")]
    public async Task Library_package_holds_the_assembly_its_xml_docs_and_a_readme(string id)
    {
        string path = packed.Package(id);
        Assert.True(File.Exists(path), $"{Path.GetFileName(path)} was not packed; the feed holds: {string.Join(", ", Directory.GetFiles(packed.Feed).Select(Path.GetFileName))}");

        using ZipArchive package = await ZipFile.OpenReadAsync(path);
        Assert.NotNull(package.GetEntry($"lib/net10.0/{id}.dll"));
        string docs = await ReadAsync(package, $"lib/net10.0/{id}.xml");
        Assert.Contains("<member name=", docs, StringComparison.Ordinal);
        string readme = await ReadAsync(package, "README.md");
        Assert.StartsWith($"# {id}\n", readme, StringComparison.Ordinal);
        Assert.Contains("```csharp", readme, StringComparison.Ordinal);

        string nuspec = await ReadAsync(package, $"{id}.nuspec");
        Assert.Contains("<readme>README.md</readme>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<license type=\"expression\">MIT</license>", nuspec, StringComparison.Ordinal);
        Assert.Contains("<authors>Herald contributors</authors>", nuspec, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Herald")]
    [InlineData("Herald.Sqlite")]
    [InlineData("Herald.Redis")]
    [InlineData("Herald.Client")]
    [InlineData("Herald.ModelContextProtocol")]
    public async Task Symbol_package_holds_the_pdb(string id)
    {
        using ZipArchive symbols = await ZipFile.OpenReadAsync(packed.Package(id, "snupkg"));
        Assert.NotNull(symbols.GetEntry($"lib/net10.0/{id}.pdb"));
    }

    private static async Task<string> ReadAsync(ZipArchive package, string name)
    {
        ZipArchiveEntry entry = package.GetEntry(name) ?? throw new Xunit.Sdk.XunitException($"The package has no {name}; it has: {string.Join(", ", package.Entries.Select(e => e.FullName))}");
        using StreamReader reader = new(await entry.OpenAsync());
        return await reader.ReadToEndAsync();
    }
}
