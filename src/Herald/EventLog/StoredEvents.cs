namespace Herald;

/// <summary>Helpers for pages of <see cref="StoredEvent"/>s that every store uses alike.</summary>
public static class StoredEvents
{
    /// <summary>
    /// The leading events of <paramref name="page"/> whose data adds up to <paramref name="maxBytes"/>, counting the one
    /// that crosses it (so at least one event stays). The page itself when it fits.
    /// </summary>
    public static IReadOnlyList<StoredEvent> Cut(IReadOnlyList<StoredEvent> page, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(page);
        long bytes = 0;
        for (int i = 0; i < page.Count; i++)
        {
            bytes += page[i].Data.Length;
            if (bytes >= maxBytes && i + 1 < page.Count)
            {
                return [.. page.Take(i + 1)];
            }
        }

        return page;
    }
}
