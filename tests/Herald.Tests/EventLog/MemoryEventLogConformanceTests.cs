using Herald.Testing;

namespace Herald.Tests.EventLog;

/// <summary>The memory store against the shared suite; it keeps nothing across a restart, so it has no reopen tests.</summary>
public sealed class MemoryEventLogConformanceTests : EventLogConformanceTests
{
    protected override Task<IEventLog> CreateLogAsync(EventLogOptions options) =>
        Task.FromResult<IEventLog>(new MemoryEventLog(options));
}
