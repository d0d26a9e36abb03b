namespace Herald;

/// <summary>Helpers for pages of <see cref="StoredEvent"/>s that every store uses alike.</summary>
public static class StoredEvents
{
    /// <summary>
    /// The leading events of <paramref name="page"/> whose data adds up to at most <paramref name="maxBytes"/>: the page
    /// ends before the event that would exceed it, except that it always keeps its first event (one event larger than the
    /// limit is still readable). The page itself when it fits.
    /// </summary>
    public static IReadOnlyList<StoredEvent> Cut(IReadOnlyList<StoredEvent> page, long maxBytes)
    {
        ArgumentNullException.ThrowIfNull(page);
        long bytes = 0;
        for (int i = 0; i < page.Count; i++)
        {
            bytes += page[i].Data.Length;
            if (bytes > maxBytes && i > 0)
            {
                return [.. page.Take(i)];
            }
        }

        return page;
    }
}
