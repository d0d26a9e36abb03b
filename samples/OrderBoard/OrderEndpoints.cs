using System.Text.Json;
using Herald;

namespace OrderBoard;

/// <summary>What a client sends to place an order.</summary>
internal sealed record PlaceOrder(string? Customer, string? Item, int Quantity);

/// <summary>The domain event on the <c>orders</c> stream, as JSON in each <c>order-placed</c> event's data.</summary>
internal sealed record OrderPlaced(string OrderId, string Customer, string Item, int Quantity, DateTimeOffset PlacedAt);

internal static class OrderEndpoints
{
    public const string Stream = "orders";
    public const string EventType = "order-placed";

    private static readonly JsonSerializerOptions s_json = new(JsonSerializerDefaults.Web);

    public static async Task<IResult> PlaceAsync(PlaceOrder order, IEventPublisher publisher, TimeProvider clock, CancellationToken cancellationToken)
    {
        Dictionary<string, string[]> errors = Validate(order);
        if (errors.Count > 0)
        {
            return TypedResults.ValidationProblem(errors);
        }

        OrderPlaced placed = new(Guid.NewGuid().ToString("N"), order.Customer!.Trim(), order.Item!.Trim(), order.Quantity, clock.GetUtcNow());
        try
        {
            // The same append as POST /streams/orders: every subscriber gets it with the next ID, exactly once.
            AppendResult appended = await publisher.PublishAsync(Stream, JsonSerializer.Serialize(placed, s_json), EventType, cancellationToken: cancellationToken);
            return TypedResults.Created($"/orders/{placed.OrderId}", new { placed.OrderId, EventId = appended.First });
        }
        catch (EventLogUnavailableException)
        {
            return TypedResults.Problem("The order could not be recorded now; try again.", statusCode: StatusCodes.Status503ServiceUnavailable);
        }
    }

    private static Dictionary<string, string[]> Validate(PlaceOrder order)
    {
        Dictionary<string, string[]> errors = [];
        if (string.IsNullOrWhiteSpace(order.Customer) || order.Customer.Trim().Length > 100)
        {
            errors["customer"] = ["A customer name of 1-100 characters is required."];
        }

        if (string.IsNullOrWhiteSpace(order.Item) || order.Item.Trim().Length > 100)
        {
            errors["item"] = ["An item of 1-100 characters is required."];
        }

        if (order.Quantity is < 1 or > 1000)
        {
            errors["quantity"] = ["The quantity must be from 1 to 1000."];
        }

        return errors;
    }
}
