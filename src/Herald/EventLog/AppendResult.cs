namespace Herald;

/// <summary>The IDs an append was given.</summary>
/// <param name="First">The ID of the first event of the append.</param>
/// <param name="Last">The ID of the last event; <c>Last - First + 1</c> events were appended, contiguously.</param>
/// <param name="Replayed"><see langword="true"/> when the idempotency key had been accepted before: nothing was appended and the original IDs are returned.</param>
public readonly record struct AppendResult(long First, long Last, bool Replayed);
