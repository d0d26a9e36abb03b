namespace Herald.Bench.Verify;

/// <summary>Everything a chaos run measured, for the summary table and the JSON line.</summary>
internal sealed record ChaosResult
{
    public required ChaosOptions Options { get; init; }

    public required ServerLaunch Server { get; init; }

    /// <summary>The time events were published and faults forced.</summary>
    public required TimeSpan Elapsed { get; init; }

    public required IReadOnlyDictionary<FaultKind, int> Faults { get; init; }

    public required ChaosVerdict Verdict { get; init; }

    /// <summary>Publish requests sent again with the same Idempotency-Key, by the client's retries or the publisher's.</summary>
    public required long PublishesResent { get; init; }

    /// <summary>Of those, the ones the server answered as replays: appended before, not appended again.</summary>
    public required long PublishesReplayed { get; init; }

    /// <summary>Batches still unacknowledged when the drain ended (their events may be in the stream; they are not counted as acknowledged).</summary>
    public required int UnacknowledgedBatches { get; init; }

    /// <summary>Whatever kept the run from being verified completely: a node that did not come back, a refused publish, a subscription that ended.</summary>
    public required IReadOnlyList<string> Failures { get; init; }

    public int FaultCount => Faults.Values.Sum();

    public bool Passed => Verdict.Passed && Failures.Count == 0;
}
