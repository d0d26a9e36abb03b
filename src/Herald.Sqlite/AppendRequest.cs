namespace Herald;

/// <summary>One <see cref="IEventLog.AppendAsync"/> call waiting for the writer; it is its own completion source.</summary>
internal sealed class AppendRequest : TaskCompletionSource<AppendResult>
{
    public AppendRequest(string stream, IReadOnlyList<EventData> events, string? idempotencyKey, CancellationToken cancellationToken)
        : base(TaskCreationOptions.RunContinuationsAsynchronously) // callers never run on the writer's thread
    {
        Stream = stream;
        Events = events;
        IdempotencyKey = idempotencyKey;
        CancellationToken = cancellationToken;
    }

    public string Stream { get; }

    public IReadOnlyList<EventData> Events { get; }

    public string? IdempotencyKey { get; }

    public CancellationToken CancellationToken { get; }

    /// <summary>When set, the writer throws it on taking this request: how tests stop the writer the way a bug would.</summary>
    public Exception? Poison { get; init; }

    /// <summary>When set, the writer waits for it on taking this request, appending nothing: how tests hold the writer busy.</summary>
    public Task? Gate { get; init; }

    /// <summary>Set by the writer inside the transaction; acted on only after the commit.</summary>
    public AppendResult Result { get; set; }

    /// <summary>The events with their IDs, for the stream's watchers (<see cref="IEventLog.Watch"/>); null for a replay or when nobody watches.</summary>
    public StoredEvent[]? Stored { get; set; }
}
