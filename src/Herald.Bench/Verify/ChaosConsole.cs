using Spectre.Console;

namespace Herald.Bench.Verify;

/// <summary>
/// Where a chaos run reports as it goes. On a terminal: a Spectre.Console status line that updates every second, with
/// the fault log scrolling above it. Redirected (a CI log, a test): plain lines, progress every 10 s, never wrapped.
/// </summary>
internal sealed class ChaosConsole
{
    private readonly TextWriter _output;
    private readonly TextWriter _error;
    private StatusContext? _status;

    public ChaosConsole(TextWriter output, TextWriter error)
    {
        _output = output;
        _error = error;
        Console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Detect,
            Out = new AnsiConsoleOutput(output),
        });
        IsInteractive = Console.Profile.Capabilities.Interactive && Console.Profile.Out.IsTerminal;
        if (!IsInteractive)
        {
            // A log has no width; a summary table should not be squeezed into 80 columns.
            Console.Profile.Width = 160;
        }
    }

    public IAnsiConsole Console { get; }

    public bool IsInteractive { get; }

    public TimeSpan ProgressInterval => IsInteractive ? TimeSpan.FromSeconds(1) : TimeSpan.FromSeconds(10);

    /// <summary>Runs <paramref name="work"/> under a live status line when on a terminal.</summary>
    public async Task<T> WithStatusAsync<T>(Func<Task<T>> work)
    {
        if (!IsInteractive)
        {
            return await work().ConfigureAwait(false);
        }

        return await Console.Status().Spinner(Spinner.Known.Dots).StartAsync("starting the servers…", async context =>
        {
            _status = context;
            try
            {
                return await work().ConfigureAwait(false);
            }
            finally
            {
                _status = null;
            }
        }).ConfigureAwait(false);
    }

    public void Line(string text)
    {
        if (IsInteractive)
        {
            Console.MarkupLine(Markup.Escape(text));
        }
        else
        {
            _output.WriteLine(text);
        }
    }

    public void Error(string text) => _error.WriteLine("herald-bench verify: " + text);

    public void Progress(string text)
    {
        if (_status is { } status)
        {
            status.Status = Markup.Escape(text);
        }
        else
        {
            Line(text);
        }
    }

    /// <summary>Written as is, never wrapped or styled: for the JSON line scripts parse.</summary>
    public void Raw(string line) => _output.WriteLine(line);
}
