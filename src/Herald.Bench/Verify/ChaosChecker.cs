namespace Herald.Bench.Verify;

/// <summary>
/// Checks what each subscriber received against what the publishers were acknowledged: every acknowledged ID exactly
/// once, IDs +1 each in arrival order, and for each ID the payload that was acknowledged for it.
/// </summary>
internal static class ChaosChecker
{
    public static ChaosVerdict Check(IReadOnlyList<AcknowledgedRange> acknowledged, IReadOnlyList<DeliveryLog> subscribers)
    {
        ArgumentNullException.ThrowIfNull(acknowledged);
        ArgumentNullException.ThrowIfNull(subscribers);
        AcknowledgedRange[] byId = [.. acknowledged.OrderBy(r => r.First)];
        long conflicts = 0;
        long highest = 0;
        long total = 0;
        for (int i = 0; i < byId.Length; i++)
        {
            total += byId[i].Count;
            if (i > 0 && byId[i].First <= highest)
            {
                conflicts += Math.Min(highest, byId[i].Last) - byId[i].First + 1;
            }

            highest = Math.Max(highest, byId[i].Last);
        }

        AcknowledgedIndex index = new(byId);
        List<SubscriberVerdict> verdicts = [];
        for (int s = 0; s < subscribers.Count; s++)
        {
            verdicts.Add(CheckOne(s + 1, subscribers[s], byId, index, highest));
        }

        return new ChaosVerdict(total, highest, conflicts, verdicts);
    }

    private static SubscriberVerdict CheckOne(int number, DeliveryLog log, AcknowledgedRange[] acknowledged, AcknowledgedIndex index, long highestAcknowledged)
    {
        IdSet delivered = new(Math.Max(highestAcknowledged, log.HighestId));
        long high = 0;
        long duplicated = 0;
        long reordered = 0;
        long skips = 0;
        long mismatches = 0;
        long unacknowledged = 0;
        foreach (DeliveryRun run in log.Runs)
        {
            for (long offset = 0; offset < run.Count; offset++)
            {
                long id = run.FirstId + offset;
                long key = run.KeyAt(offset);
                if (id <= high)
                {
                    if (delivered.Add(id))
                    {
                        reordered++;
                    }
                    else
                    {
                        duplicated++;
                    }
                }
                else
                {
                    if (id > high + 1)
                    {
                        skips++;
                    }

                    delivered.Add(id);
                    high = id;
                }

                if (index.TryGetKey(id, out long acknowledgedKey))
                {
                    if (acknowledgedKey != key)
                    {
                        mismatches++;
                    }
                }
                else
                {
                    unacknowledged++;
                    if (key != ChaosPayload.Unreadable && index.IsAcknowledgedKey(key))
                    {
                        duplicated++; // the payload was acknowledged under another ID: the publish was appended twice
                    }
                }
            }
        }

        long lost = 0;
        foreach (AcknowledgedRange range in acknowledged)
        {
            lost += range.Count - delivered.CountInRange(range.First, range.Last);
        }

        return new SubscriberVerdict(number, log.Count, log.HighestId, lost, duplicated, reordered, skips, mismatches, unacknowledged, log.GapFrames, log.Resets)
        {
            ResetFrames = log.ResetFrames,
        };
    }

    /// <summary>ID → acknowledged key and "was this key acknowledged", for ranges sorted by ID; lookups in ID order are O(1).</summary>
    private sealed class AcknowledgedIndex(AcknowledgedRange[] byId)
    {
        private AcknowledgedRange[]? _byKey;
        private int _cursor;

        public bool TryGetKey(long id, out long key)
        {
            // Deliveries arrive in ID order, so the range after the previous hit is almost always the next one to look in.
            for (int probe = _cursor; probe < byId.Length && probe <= _cursor + 1; probe++)
            {
                if (byId[probe].Contains(id))
                {
                    _cursor = probe;
                    key = byId[probe].KeyAt(id);
                    return true;
                }
            }

            int found = Find(byId, id, static r => r.First, static r => r.Last);
            if (found >= 0)
            {
                _cursor = found;
                key = byId[found].KeyAt(id);
                return true;
            }

            key = 0;
            return false;
        }

        public bool IsAcknowledgedKey(long key)
        {
            _byKey ??= [.. byId.OrderBy(r => r.FirstKey)];
            return Find(_byKey, key, static r => r.FirstKey, static r => r.FirstKey + r.Count - 1) >= 0;
        }

        private static int Find(AcknowledgedRange[] sorted, long value, Func<AcknowledgedRange, long> low, Func<AcknowledgedRange, long> high)
        {
            int lo = 0;
            int hi = sorted.Length - 1;
            while (lo <= hi)
            {
                int mid = lo + ((hi - lo) / 2);
                if (value < low(sorted[mid]))
                {
                    hi = mid - 1;
                }
                else if (value > high(sorted[mid]))
                {
                    lo = mid + 1;
                }
                else
                {
                    return mid;
                }
            }

            return -1;
        }
    }
}
