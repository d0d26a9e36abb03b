namespace Herald.Delivery;

/// <summary>How a subscription started (docs/protocol.md "Subscribe").</summary>
internal enum ResumeOutcome
{
    /// <summary>No position: from the stream's last ID on.</summary>
    Live,

    /// <summary>At the event after the client's position.</summary>
    Exact,

    /// <summary>History was trimmed past the client's position: a <c>gap</c> frame, then the oldest retained event.</summary>
    Gap,

    /// <summary>A position or epoch this store does not know: a <c>reset</c> frame, then every retained event.</summary>
    Reset,
}
