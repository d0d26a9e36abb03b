using Herald;

namespace OrderBoard;

/// <summary>
/// The app's rule for its Herald endpoints: anyone may follow <c>orders</c>; nobody publishes on it over HTTP, because
/// orders enter only through <c>POST /orders</c>, which validates them and publishes with <see cref="IEventPublisher"/>.
/// A real app would look at <c>context.User</c> here.
/// </summary>
internal sealed class OrdersOnlyAuthorizer : IHeraldAuthorizer
{
    public ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
        ValueTask.FromResult(stream == OrderEndpoints.Stream);

    public ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken) =>
        ValueTask.FromResult(false);
}
