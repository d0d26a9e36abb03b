using System.Buffers;

namespace Herald.Validation;

/// <summary>docs/protocol.md "Publish": an event type is 1–64 characters of <c>A-Z a-z 0-9 _ . : -</c>.</summary>
internal static class EventTypes
{
    public const int MaxLength = 64;

    private static readonly SearchValues<char> s_allowed =
        SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.:-");

    public static bool IsValid(ReadOnlySpan<char> type) =>
        type.Length is > 0 and <= MaxLength && !type.ContainsAnyExcept(s_allowed);
}
