using Herald.Http.Formats;
using Herald.Http.Security;
using Herald.Validation;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Http.Limits;

/// <summary>
/// The checks the endpoints make before doing any work: subscriber tokens (<see cref="SubscriberAuthorization"/>),
/// connection caps (<see cref="ConnectionLimits"/>) and the publish rate (<see cref="PublishRateLimit"/>). Each is one
/// call from its handler; the logic lives in those classes.
/// </summary>
internal static class HeraldGuards
{
    /// <summary>Whether the request may read <paramref name="stream"/>; when not, the 401 or 403 has been answered.</summary>
    public static ValueTask<bool> SubscriberMayReadAsync(HttpContext context, string stream) =>
        context.RequestServices.GetRequiredService<SubscriberAuthorization>().IsEnabled ? SubscriberMayReadAsync(context, [stream]) : ValueTask.FromResult(true);

    /// <summary>Whether the request's subscriber token allows every one of <paramref name="streams"/>; when not, the 401 or 403 has been answered.</summary>
    public static async ValueTask<bool> SubscriberMayReadAsync(HttpContext context, IReadOnlyList<string> streams)
    {
        SubscriberAuthorization authorization = context.RequestServices.GetRequiredService<SubscriberAuthorization>();
        if (!authorization.IsEnabled)
        {
            return true;
        }

        if (await authorization.CheckAsync(context, streams) is Problem denied)
        {
            await Problems.WriteAsync(context, denied);
            return false;
        }

        return true;
    }

    /// <summary>
    /// The gate of every read of one stream (subscribe, <c>info</c>, <c>events</c>), in docs/protocol.md's order: the subscriber
    /// token, then the stream name, then the application's <see cref="IHeraldAuthorizer"/>. When it refuses, the 401,
    /// 400 or 403 has been answered.
    /// </summary>
    public static async ValueTask<bool> MayReadStreamAsync(HttpContext context, string stream)
    {
        if (!await SubscriberMayReadAsync(context, stream))
        {
            return false;
        }

        if (!StreamNames.IsValid(stream))
        {
            await Problems.WriteAsync(context, Problem.InvalidStreamName(stream));
            return false;
        }

        return !await StreamAccess.DeniedAsync(context, stream, publish: false);
    }

    /// <summary>
    /// The gate of a subscription to several valid stream names (docs/protocol.md "Subscribe to several streams"): the
    /// subscriber token must allow every stream, then the application's <see cref="IHeraldAuthorizer"/> is asked for each.
    /// When it refuses, the 401 or 403 has been answered.
    /// </summary>
    public static async ValueTask<bool> MayReadStreamsAsync(HttpContext context, IReadOnlyList<string> streams)
    {
        if (!await SubscriberMayReadAsync(context, streams))
        {
            return false;
        }

        foreach (string stream in streams)
        {
            if (await StreamAccess.DeniedAsync(context, stream, publish: false))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// Whether the request may see every stream (a listing of stream names): with subscriber tokens on, only a token whose
    /// <c>streams</c> claim is <c>*</c> may; when not, the 401 or 403 has been answered.
    /// </summary>
    public static ValueTask<bool> SubscriberMayListAsync(HttpContext context) => SubscriberMayReadAsync(context, SubscriberAuthorization.AllStreams);

    /// <summary>A slot under the connection caps, to dispose when the subscription ends; null when refused (answered).</summary>
    public static ValueTask<ConnectionLimits.ConnectionSlot?> EnterSubscriptionAsync(HttpContext context) =>
        context.RequestServices.GetRequiredService<ConnectionLimits>().EnterAsync(context);

    /// <summary>Null when the publisher is within its rate; else the 429 to answer.</summary>
    public static Problem? CheckPublishRate(HttpContext context) =>
        context.RequestServices.GetRequiredService<PublishRateLimit>().Check(context);
}
