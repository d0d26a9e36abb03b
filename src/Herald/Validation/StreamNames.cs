using System.Buffers;

namespace Herald.Validation;

/// <summary>docs/protocol.md "Streams": 1–128 characters of <c>A-Z a-z 0-9 _ . -</c>, not starting with <c>.</c>.</summary>
internal static class StreamNames
{
    public const int MaxLength = 128;

    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-");

    public static bool IsValid(ReadOnlySpan<char> name) =>
        name.Length is > 0 and <= MaxLength
        && name[0] != '.'
        && !name.ContainsAnyExcept(s_allowed);
}
