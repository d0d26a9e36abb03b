using System.Text;

namespace Herald.Bench.Verify;

/// <summary>How to start a Herald server process: a program and the arguments that come before the server's options.</summary>
internal sealed record ServerLaunch(string FileName, IReadOnlyList<string> Arguments)
{
    private const string ServerDll = "Herald.Server.dll";
    private const string ServerTool = "herald-server";

    public override string ToString() => string.Join(' ', [FileName, .. Arguments]);

    /// <summary>
    /// In order: <paramref name="serverCommand"/> (split like a shell would, quotes allowed); Herald.Server.dll next to
    /// this program (test outputs, a published folder); the repository's build of Herald.Server for the same configuration
    /// (run from the repo: <c>src/Herald.Bench/bin/Release/net10.0</c> → <c>src/Herald.Server/bin/Release/net10.0</c>);
    /// <c>herald-server</c> on PATH (installed as tools). Null with a reason when none is there.
    /// </summary>
    public static ServerLaunch? Resolve(string? serverCommand, out string? error)
    {
        error = null;
        if (serverCommand is not null)
        {
            string[] words = SplitCommand(serverCommand);
            if (words.Length == 0)
            {
                error = "--server-command is empty";
                return null;
            }

            return new ServerLaunch(words[0], words[1..]);
        }

        string? dll = FindServerDll(AppContext.BaseDirectory);
        if (dll is not null)
        {
            return new ServerLaunch(DotnetHost(), [dll]);
        }

        string? tool = FindOnPath(ServerTool);
        if (tool is not null)
        {
            return new ServerLaunch(tool, []);
        }

        error = $"cannot find Herald.Server: build it (dotnet build src/Herald.Server -c Release), install the {ServerTool} tool, or pass --server-command";
        return null;
    }

    /// <summary>The first of <paramref name="name"/> that is a file in a PATH directory (or <paramref name="name"/> itself when it has a slash).</summary>
    public static string? FindOnPath(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return File.Exists(name) ? Path.GetFullPath(name) : null;
        }

        foreach (string directory in (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(directory, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static string? FindServerDll(string baseDirectory)
    {
        if (IsRunnableDll(Path.Combine(baseDirectory, ServerDll)))
        {
            return Path.Combine(baseDirectory, ServerDll);
        }

        // <repo>/<src|tests>/<Project>/bin/<Configuration>/<tfm>/ → <repo>/src/Herald.Server/bin/<Configuration>/<tfm>/
        DirectoryInfo output = new(baseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        DirectoryInfo? configuration = output.Parent;
        DirectoryInfo? bin = configuration?.Parent;
        DirectoryInfo? repo = bin?.Parent?.Parent?.Parent;
        if (configuration is null || bin?.Name != "bin" || repo is null)
        {
            return null;
        }

        string built = Path.Combine(repo.FullName, "src", "Herald.Server", "bin", configuration.Name, output.Name, ServerDll);
        return IsRunnableDll(built) ? built : null;
    }

    private static bool IsRunnableDll(string dll) => File.Exists(dll) && File.Exists(Path.ChangeExtension(dll, ".runtimeconfig.json"));

    /// <summary>The dotnet host that runs this program (or the SDK's, under dotnet test), else dotnet on PATH.</summary>
    private static string DotnetHost()
    {
        string? current = Environment.ProcessPath;
        if (current is not null && Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }

        return Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet";
    }

    /// <summary>Splits on whitespace; single or double quotes group words, as in a shell (no escapes, no variables).</summary>
    private static string[] SplitCommand(string command)
    {
        List<string> words = [];
        StringBuilder word = new();
        bool inWord = false;
        char quote = '\0';
        foreach (char c in command)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
                else
                {
                    word.Append(c);
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        if (inWord)
        {
            words.Add(word.ToString());
        }

        return [.. words];
    }
}
