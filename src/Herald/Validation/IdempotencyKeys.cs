namespace Herald.Validation;

/// <summary>docs/protocol.md "Publish": an <c>Idempotency-Key</c> is 1–200 characters in 0x21–0x7E.</summary>
internal static class IdempotencyKeys
{
    public const int MaxLength = 200;

    public static bool IsValid(ReadOnlySpan<char> key) =>
        key.Length is > 0 and <= MaxLength && !key.ContainsAnyExceptInRange('\x21', '\x7E');
}
