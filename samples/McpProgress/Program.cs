using Herald;
using McpProgress;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using ModelContextProtocol.AspNetCore;

// `dotnet run` serves MCP on http://localhost:5000/ with its streams in ./data/mcp.db; change them with --urls and
// --McpProgress:Database=<path>, or keep them in Redis, shared by several nodes, with --McpProgress:Redis=redis://host:port.
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
string database = builder.Configuration["McpProgress:Database"] ?? "data/mcp.db";
string? redis = builder.Configuration["McpProgress:Redis"];

if (redis is null)
{
    builder.Services.AddHerald().UseSqlite(database);
}
else
{
    builder.Services.AddHerald().UseRedis(redis); // a client may then resume on any node
}

builder.Services.AddMcpServer()
    .WithHttpTransport(o => o.SessionMode = HttpServerSessionMode.Stateful) // resuming needs sessions
    .WithHeraldEventStreamStore()  // every SSE event durable before it is sent
    .WithHeraldSessionMigration()  // sessions survive a restart
    .WithTools<ProgressTools>();

await using WebApplication app = builder.Build();
app.MapMcp();

// One line a script (or the sample's test) can wait for, with the port actually bound when --urls asked for port 0.
app.Lifetime.ApplicationStarted.Register(() =>
{
    ICollection<string> addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses;
    Console.WriteLine($"McpProgress is serving on {string.Join(", ", addresses)}");
});
await app.RunAsync();
