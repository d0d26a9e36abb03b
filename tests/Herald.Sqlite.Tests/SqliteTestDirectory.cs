namespace Herald.Sqlite.Tests;

/// <summary>A unique temporary directory for one test's database files, deleted by the test's DisposeAsync.</summary>
internal sealed class SqliteTestDirectory
{
    public SqliteTestDirectory()
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "herald-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public static void DeleteDatabase(string path)
    {
        foreach (string suffix in new[] { "", "-wal", "-shm" })
        {
            System.IO.File.Delete(path + suffix);
        }
    }

    public void Delete()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
            // A leftover temp directory is not worth failing a test over.
        }
    }
}
