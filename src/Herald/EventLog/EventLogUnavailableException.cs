namespace Herald;

/// <summary>
/// The store cannot serve the request now (shut down, disk error, backend unreachable). For an append, nothing was
/// appended, unless <see cref="OutcomeUnknown"/> says that the store may have taken it.
/// </summary>
public sealed class EventLogUnavailableException : Exception
{
    /// <summary>Creates the exception for a request the store did not carry out.</summary>
    public EventLogUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }

    /// <summary>
    /// The append reached the store and may have been stored (a timeout after it was sent, replicas that did not confirm
    /// it in time): the caller must not claim that nothing was appended, and a retry needs the same idempotency key.
    /// </summary>
    public bool OutcomeUnknown { get; init; }
}
