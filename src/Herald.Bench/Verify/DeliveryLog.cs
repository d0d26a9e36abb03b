namespace Herald.Bench.Verify;

/// <summary>Deliveries with consecutive IDs and consecutive payload keys, in the order they arrived.</summary>
internal readonly record struct DeliveryRun(long FirstId, long FirstKey, long Count)
{
    public long KeyAt(long offset) => FirstKey == ChaosPayload.Unreadable ? ChaosPayload.Unreadable : FirstKey + offset;
}

/// <summary>
/// What one subscriber received, in arrival order. Run-length encoded: a correct run is a few thousand runs (one per
/// acknowledged batch) whatever the number of events, while every anomaly still shows as a run of its own. Written by
/// one subscriber loop; read by others only through the volatile counters until that loop has ended.
/// </summary>
internal sealed class DeliveryLog
{
    private const int MaxResetFrames = 4;
    private readonly List<DeliveryRun> _runs = [];
    private long _count;
    private long _highest;
    private int _gapFrames;
    private int _resets;
    private readonly List<string> _resetFrames = [];

    public IReadOnlyList<DeliveryRun> Runs => _runs;

    public long Count => Volatile.Read(ref _count);

    /// <summary>The highest ID delivered so far.</summary>
    public long HighestId => Volatile.Read(ref _highest);

    /// <summary><c>gap</c> frames: the server said events were no longer retained.</summary>
    public int GapFrames => Volatile.Read(ref _gapFrames);

    /// <summary><c>reset</c> frames: the server said the store was replaced (a new epoch).</summary>
    public int Resets => Volatile.Read(ref _resets);

    /// <summary>What the first <c>reset</c> frames said, and when (to read beside the servers' logs); read after the loop has ended.</summary>
    public IReadOnlyList<string> ResetFrames => _resetFrames;

    public void Add(long id, long key)
    {
        int last = _runs.Count - 1;
        if (last >= 0
            && key != ChaosPayload.Unreadable
            && _runs[last].FirstKey != ChaosPayload.Unreadable
            && id == _runs[last].FirstId + _runs[last].Count
            && key == _runs[last].FirstKey + _runs[last].Count)
        {
            _runs[last] = _runs[last] with { Count = _runs[last].Count + 1 };
        }
        else
        {
            _runs.Add(new DeliveryRun(id, key, 1));
        }

        Volatile.Write(ref _count, _count + 1);
        if (id > _highest)
        {
            Volatile.Write(ref _highest, id);
        }
    }

    public void AddGapFrame() => Interlocked.Increment(ref _gapFrames);

    public void AddReset(string? detail = null)
    {
        if (detail is not null && _resetFrames.Count < MaxResetFrames)
        {
            _resetFrames.Add(detail);
        }

        Interlocked.Increment(ref _resets);
    }
}
