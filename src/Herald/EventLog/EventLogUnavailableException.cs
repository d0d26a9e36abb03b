namespace Herald;

/// <summary>The store cannot serve the request now (shut down, disk error, backend unreachable). Nothing was appended.</summary>
public sealed class EventLogUnavailableException : Exception
{
    /// <summary>Creates the exception.</summary>
    public EventLogUnavailableException(string message, Exception? innerException = null)
        : base(message, innerException)
    {
    }
}
