using System.Diagnostics;
using System.Net;
using System.Text;
using Herald.Testing.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Server.Tests;

/// <summary>
/// Issue 11, "one writer per SQLite file" and "failures answered honestly": real server processes and real files. A
/// refused start is one line on stderr and exit code 1 (systemd then stops instead of looping on a stack trace); a
/// store that cannot commit answers 503 and says so on /readyz.
/// </summary>
[Collection(ServerProcessCollection.Name)]
public sealed class SqliteFailureTests
{
    [Fact]
    public async Task SecondServerOnTheSameFile_RefusesToStartWithOneLineAndExit1_TheFirstServesOn()
    {
        using TempDirectory dir = new();
        string path = dir.File("herald.db");
        await using ServerProcess first = await ServerProcess.StartAsync("--store", "sqlite:" + path);
        Assert.Equal(1, await first.Client.PublishAsync("s", "a"));

        (int exitCode, _, string stderr) = await ServerProcess.RunToExitAsync("--store", "sqlite:" + path);

        Assert.Equal(1, exitCode);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains(path, line, StringComparison.Ordinal);
        Assert.Contains("in use by another process", line, StringComparison.Ordinal);
        Assert.Equal(2, await first.Client.PublishAsync("s", "b"));
    }

    [Fact]
    public async Task FirstServerKilled_TheNextOneStartsOnTheFile()
    {
        using TempDirectory dir = new();
        string path = dir.File("herald.db");
        ServerProcess first = await ServerProcess.StartAsync("--store", "sqlite:" + path);
        Assert.Equal(1, await first.Client.PublishAsync("s", "a"));
        first.Kill(); // kill -9: the kernel drops the lock with the process
        await first.DisposeAsync();

        await using ServerProcess second = await ServerProcess.StartAsync("--store", "sqlite:" + path);

        Assert.Equal(2, await second.Client.PublishAsync("s", "b"));
    }

    [Theory]
    [InlineData("random bytes")]
    [InlineData("a text file")]
    public async Task StoreFileIsNotADatabase_OneLineNamingTheFileAndExit1(string what)
    {
        using TempDirectory dir = new();
        string path = dir.File("herald.db");
        byte[] content = what == "random bytes" ? RandomBytes(64 * 1024) : Encoding.UTF8.GetBytes(new string('x', 10_000));
        await File.WriteAllBytesAsync(path, content);

        (int exitCode, _, string stderr) = await ServerProcess.RunToExitAsync("--store", "sqlite:" + path);

        Assert.Equal(1, exitCode);
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith("herald-server: cannot start:", line, StringComparison.Ordinal);
        Assert.Contains(path, line, StringComparison.Ordinal);
        Assert.Equal(content, await File.ReadAllBytesAsync(path)); // left as it was, for whoever looks at it
    }

    [Fact]
    public async Task DiskFull_PublishesAre503NothingAppended_ReadyzIs503_AcknowledgedEventsStayReadable()
    {
        using TempDirectory dir = new();
        string mount = Directory.CreateDirectory(dir.File("full")).FullName;
        await RunAsync("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", mount);
        try
        {
            await using ServerProcess server = await ServerProcess.StartAsync("--store", "sqlite:" + Path.Combine(mount, "herald.db"));
            string data = new('d', 60 * 1024);
            long acknowledged = 0;
            HttpStatusCode refused = HttpStatusCode.Created;
            string problem = "";
            for (int i = 0; i < 200 && refused == HttpStatusCode.Created; i++)
            {
                using HttpResponseMessage response = await server.Client.PostAsync("/streams/fill", Encoding.UTF8.GetBytes(data));
                refused = response.StatusCode;
                if (refused == HttpStatusCode.Created)
                {
                    acknowledged++;
                }
                else
                {
                    problem = await response.Content.ReadAsStringAsync();
                }
            }

            using HttpResponseMessage ready = await server.Client.GetAsync("/readyz");
            List<ReadEvent> stored = await server.Client.ReadAllAsync("fill");

            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused);
            Assert.Contains("nothing was appended", problem, StringComparison.Ordinal);
            Assert.True(acknowledged > 0, "the 2 MiB disk filled before the first event");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
            Assert.Equal(Enumerable.Range(1, (int)acknowledged).Select(i => (long)i), stored.Select(e => e.Id));
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
        }
    }

    [Fact]
    public async Task StoreOnAReadOnlyFileSystem_RefusesToStartWithOneLineAndExit1()
    {
        using TempDirectory dir = new();
        string source = Directory.CreateDirectory(dir.File("data")).FullName;
        string mount = Directory.CreateDirectory(dir.File("mounted")).FullName;
        await using (ServerProcess first = await ServerProcess.StartAsync("--store", "sqlite:" + Path.Combine(source, "herald.db")))
        {
            Assert.Equal(1, await first.Client.PublishAsync("ro", "before"));
            first.Terminate();
            Assert.Equal(0, await first.WaitForExitAsync());
        }

        // Linux refuses to remount read-only while a file is open for writing, so the store is read-only from the start.
        await RunAsync("mount", "--bind", "-o", "ro", source, mount);
        try
        {
            (int exitCode, _, string stderr) = await ServerProcess.RunToExitAsync("--store", "sqlite:" + Path.Combine(mount, "herald.db"));

            Assert.Equal(1, exitCode);
            string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
            Assert.Contains("read-only", line, StringComparison.Ordinal);
            Assert.Contains(mount, line, StringComparison.Ordinal);
        }
        finally
        {
            await RunAsync("umount", "-l", mount);
        }
    }

    [Fact]
    public async Task WriterStopped_EveryPublishIs503AndReadyzIs503()
    {
        using TempDirectory dir = new();
        await using HeraldHost host = await HeraldHost.StartAsync(HostKind.Standalone, sqlitePath: dir.File("herald.db"));
        Assert.Equal(1, await host.Client.PublishAsync("s", "a"));
        var store = (SqliteEventLog)host.App.Services.GetRequiredService<IEventLog>();

        store.StopWriterForTest(new InvalidOperationException("a bug in the writer"));
        using HttpResponseMessage publish = await host.Client.PostAsync("/streams/s", "b"u8.ToArray()).WaitAsync(TestTimeouts.Frame);
        using HttpResponseMessage another = await host.Client.PostAsync("/streams/t", "c"u8.ToArray()).WaitAsync(TestTimeouts.Frame);
        using HttpResponseMessage ready = await host.Client.GetAsync("/readyz");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, publish.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, another.StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, ready.StatusCode);
        Assert.Equal(1, (await host.Client.GetInfoAsync("s")).Last);
    }

    private static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        new Random(11).NextBytes(bytes);
        return bytes;
    }

    private static async Task RunAsync(string file, params string[] args)
    {
        using Process process = Process.Start(new ProcessStartInfo(file, args) { UseShellExecute = false, RedirectStandardError = true })!;
        string error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TestTimeouts.ProcessExit);
        Assert.True(process.ExitCode == 0, $"{file} {string.Join(' ', args)} failed ({process.ExitCode}): {error}");
    }
}
