using Microsoft.AspNetCore.Http;

namespace Herald;

/// <summary>
/// The application's say on who may use a stream over HTTP. Register one with <see cref="HeraldBuilder.UseAuthorizer{TAuthorizer}"/>
/// (or as any <see cref="IHeraldAuthorizer"/> service; it is resolved from the request's services, so it may be scoped).
/// With none, Herald behaves as docs/protocol.md describes. It runs after Herald's own checks (the stream name, publisher keys or
/// the loopback rule), so it only sees valid stream names; <see langword="false"/> answers <c>403</c> problem+json
/// <c>urn:herald:problem:stream-forbidden</c>. Who the caller is comes from <see cref="HttpContext.User"/>, set by the
/// application's own authentication middleware.
/// </summary>
public interface IHeraldAuthorizer
{
    /// <summary>Whether the caller may subscribe to <paramref name="stream"/>, and read its <c>info</c> and <c>events</c>.</summary>
    ValueTask<bool> CanSubscribeAsync(HttpContext context, string stream, CancellationToken cancellationToken);

    /// <summary>Whether the caller may publish on <paramref name="stream"/> (single events and batches).</summary>
    ValueTask<bool> CanPublishAsync(HttpContext context, string stream, CancellationToken cancellationToken);
}
