namespace Herald.Testing.Infrastructure;

/// <summary>
/// Upper bounds for waits. They only decide how long a broken test takes to fail, never whether a working one passes,
/// so they are generous for a loaded 2-core CI machine.
/// </summary>
internal static class TestTimeouts
{
    public static readonly TimeSpan Start = TimeSpan.FromSeconds(30);

    public static readonly TimeSpan Frame = TimeSpan.FromSeconds(15);

    public static readonly TimeSpan Bulk = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan ProcessExit = TimeSpan.FromSeconds(30);
}
