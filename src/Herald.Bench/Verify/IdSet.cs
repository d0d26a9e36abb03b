using System.Numerics;

namespace Herald.Bench.Verify;

/// <summary>A growable bit set of positive IDs: one bit per ID, so a million events cost 125 KB per subscriber.</summary>
internal sealed class IdSet
{
    private ulong[] _words;

    public IdSet(long capacity = 0) => _words = new ulong[Math.Max(1, (capacity >> 6) + 1)];

    public bool Contains(long id) => id >= 0 && (id >> 6) < _words.Length && (_words[id >> 6] & (1UL << (int)(id & 63))) != 0;

    /// <summary>Adds <paramref name="id"/>; false when it was already there.</summary>
    public bool Add(long id)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        long word = id >> 6;
        if (word >= _words.Length)
        {
            Array.Resize(ref _words, (int)Math.Max(word + 1, _words.Length * 2L));
        }

        ulong bit = 1UL << (int)(id & 63);
        bool added = (_words[word] & bit) == 0;
        _words[word] |= bit;
        return added;
    }

    /// <summary>How many of <paramref name="first"/>..<paramref name="last"/> are in the set.</summary>
    public long CountInRange(long first, long last)
    {
        long count = 0;
        long id = Math.Max(first, 0);
        long end = Math.Min(last, ((long)_words.Length << 6) - 1);
        while (id <= end)
        {
            if ((id & 63) == 0 && id + 63 <= end)
            {
                count += BitOperations.PopCount(_words[id >> 6]);
                id += 64;
            }
            else
            {
                count += Contains(id) ? 1 : 0;
                id++;
            }
        }

        return count;
    }
}
