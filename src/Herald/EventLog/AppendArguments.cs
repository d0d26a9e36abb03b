namespace Herald;

/// <summary>The argument checks every store makes on <see cref="IEventLog.AppendAsync"/>, in one place.</summary>
public static class AppendArguments
{
    /// <summary>
    /// Throws for a null stream, a null or empty list, or a null event. Checked by the caller, before anything is queued:
    /// inside a group commit, a bad element would fail every append committed with it.
    /// </summary>
    public static void Validate(string stream, IReadOnlyList<EventData> events)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(events);
        if (events.Count == 0)
        {
            throw new ArgumentException("An append needs at least one event.", nameof(events));
        }

        for (int i = 0; i < events.Count; i++)
        {
            if (events[i] is null)
            {
                throw new ArgumentException($"Event {i} is null.", nameof(events));
            }
        }
    }
}
