using Herald.Http.Formats;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Herald.Http.Security;

/// <summary>The one call each endpoint makes to the application's <see cref="IHeraldAuthorizer"/>, after Herald's own checks.</summary>
internal static class StreamAccess
{
    /// <summary>Asks the authorizer, if any; on a refusal writes the <c>403</c> and returns <see langword="true"/>.</summary>
    public static async ValueTask<bool> DeniedAsync(HttpContext context, string stream, bool publish)
    {
        if (await AllowsAsync(context, stream, publish).ConfigureAwait(false))
        {
            return false;
        }

        await Problems.WriteAsync(context, Problem.StreamForbidden(stream, publish)).ConfigureAwait(false);
        return true;
    }

    /// <summary>Whether the authorizer, if any, would refuse a subscription to <paramref name="stream"/> (nothing is written).</summary>
    public static async ValueTask<bool> IsHiddenAsync(HttpContext context, string stream) =>
        !await AllowsAsync(context, stream, publish: false).ConfigureAwait(false);

    private static async ValueTask<bool> AllowsAsync(HttpContext context, string stream, bool publish)
    {
        // From the request's services, so an authorizer may depend on scoped services (a DbContext, the current tenant).
        IHeraldAuthorizer? authorizer = context.RequestServices.GetService<IHeraldAuthorizer>();
        if (authorizer is null)
        {
            return true;
        }

        return publish
            ? await authorizer.CanPublishAsync(context, stream, context.RequestAborted).ConfigureAwait(false)
            : await authorizer.CanSubscribeAsync(context, stream, context.RequestAborted).ConfigureAwait(false);
    }
}
