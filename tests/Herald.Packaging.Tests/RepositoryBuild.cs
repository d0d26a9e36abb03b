using System.Reflection;

namespace Herald.Packaging.Tests;

/// <summary>The repository these tests were built from, and the configuration whose output they pack.</summary>
internal static class RepositoryBuild
{
    public static string Root { get; } = Metadata("RepositoryRoot");

    public static string Configuration { get; } = Metadata("Configuration");

    private static string Metadata(string key) =>
        typeof(RepositoryBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == key).Value
        ?? throw new InvalidOperationException($"The test assembly has no {key} metadata.");
}
