namespace Herald.ModelContextProtocol;

/// <summary>What one Herald event of an MCP stream records; kept as the Herald event's type.</summary>
internal enum StreamRecordKind
{
    /// <summary>A writer started the stream: the MCP session and stream IDs, and the first mode. Position 1, or a later writer that took over the same IDs.</summary>
    Open,

    /// <summary>An SSE item the SDK wrote: the only kind whose ID is handed out.</summary>
    Item,

    /// <summary>The writer switched between streaming and polling.</summary>
    Mode,

    /// <summary>The writer was disposed: readers stop here.</summary>
    End,
}
