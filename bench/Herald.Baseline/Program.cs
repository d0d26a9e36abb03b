using System.Collections.Concurrent;
using System.Text.Json;
using System.Threading.Channels;
using Herald.Baseline;

// A minimal SSE hub, just enough of docs/protocol.md for `herald-bench run`: publish, batch publish, subscribe with Last-Event-ID replay.
// Run: Herald.Baseline --urls http://127.0.0.1:5095
WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.Logging.AddFilter("Microsoft.AspNetCore", LogLevel.Warning); // as in the project template's appsettings.json
WebApplication app = builder.Build();
ConcurrentDictionary<string, Topic> topics = new();

app.MapPost("/streams/{name}", async (string name, HttpRequest request) =>
{
    using StreamReader reader = new(request.Body);
    string data = await reader.ReadToEndAsync();
    long id = topics.GetOrAdd(name, _ => new Topic()).Append([data])[0];
    return Results.Json(new { stream = name, id }, statusCode: 201);
});

app.MapPost("/streams/{name}/batch", async (string name, HttpRequest request) =>
{
    using StreamReader reader = new(request.Body);
    List<string> events = [];
    while (await reader.ReadLineAsync() is string line)
    {
        if (line.Length > 0)
        {
            JsonElement data = JsonDocument.Parse(line).RootElement.GetProperty("data");
            events.Add(data.ValueKind == JsonValueKind.String ? data.GetString()! : data.GetRawText());
        }
    }

    long[] ids = topics.GetOrAdd(name, _ => new Topic()).Append(events);
    return Results.Json(new { stream = name, first = ids[0], last = ids[^1] }, statusCode: 201);
});

app.MapGet("/streams/{name}", async (string name, HttpContext context) =>
{
    string? lastEventId = context.Request.Headers["Last-Event-ID"].FirstOrDefault() ?? context.Request.Query["lastEventId"].FirstOrDefault();
    long? after = long.TryParse(lastEventId, out long parsed) ? parsed : null;
    Topic topic = topics.GetOrAdd(name, _ => new Topic());
    Channel<Event> channel = Channel.CreateUnbounded<Event>();
    List<Event> replay = topic.Subscribe(channel, after);

    context.Response.ContentType = "text/event-stream";
    context.Response.Headers.CacheControl = "no-cache";
    await context.Response.Body.FlushAsync(context.RequestAborted);
    try
    {
        foreach (Event e in replay)
        {
            await context.Response.WriteAsync($"id: {e.Id}\ndata: {e.Data}\n\n", context.RequestAborted);
        }

        await context.Response.Body.FlushAsync(context.RequestAborted);
        await foreach (Event e in channel.Reader.ReadAllAsync(context.RequestAborted))
        {
            await context.Response.WriteAsync($"id: {e.Id}\ndata: {e.Data}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
        }
    }
    catch (OperationCanceledException)
    {
        // The client went away.
    }
    finally
    {
        topic.Unsubscribe(channel);
    }
});

app.Run();
