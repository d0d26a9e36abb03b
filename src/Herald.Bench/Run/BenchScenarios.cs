namespace Herald.Bench.Run;

/// <summary>The scenarios <c>herald-bench run --scenario</c> knows, and the defaults each one fills in.</summary>
internal static class BenchScenarios
{
    public const string Fanout = "fanout";
    public const string Publish = "publish";
    public const string Idle = "idle";
    public const string Catchup = "catchup";

    public static readonly string[] All = [Fanout, Publish, Idle, Catchup];

    public static int DefaultSubscribers(string scenario) => scenario switch
    {
        Fanout => 1000,
        Idle => 5000,
        Catchup => 1,
        _ => 0,
    };

    public static int DefaultPublishers(string scenario) => scenario is Fanout or Publish ? 8 : 0;

    public static double DefaultRate(string scenario) => scenario == Fanout ? 2000 : 0;

    public static Task<BenchResult> RunAsync(BenchSettings settings, CancellationToken cancellationToken) => settings.Scenario switch
    {
        Idle => IdleRun.RunAsync(settings, cancellationToken),
        Catchup => CatchupRun.RunAsync(settings, cancellationToken),
        _ => LoadRun.RunAsync(settings, cancellationToken),
    };
}
