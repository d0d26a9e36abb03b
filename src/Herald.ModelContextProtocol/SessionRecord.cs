using System.Buffers;
using System.Security.Claims;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using ModelContextProtocol;
using ModelContextProtocol.Protocol;

namespace Herald.ModelContextProtocol;

/// <summary>
/// What a node needs to take over an MCP session: the client's <c>initialize</c> parameters, and the user who opened
/// the session, so that only that user can take it over (the SDK hands a migrated session to whoever asked for it).
/// </summary>
internal sealed record SessionRecord(string SessionId, SessionUser? User, InitializeRequestParams Initialize)
{
    /// <summary>The Herald event type of a session record.</summary>
    public const string EventType = "session";

    private static readonly JsonTypeInfo<InitializeRequestParams> s_initializeType =
        (JsonTypeInfo<InitializeRequestParams>)McpJsonUtilities.DefaultOptions.GetTypeInfo(typeof(InitializeRequestParams));

    public EventData Encode()
    {
        ArrayBufferWriter<byte> buffer = new(512);
        using (Utf8JsonWriter json = new(buffer))
        {
            json.WriteStartObject();
            json.WriteString("session", SessionId);
            if (User is not null)
            {
                json.WriteStartObject("user");
                json.WriteString("type", User.Type);
                json.WriteString("value", User.Value);
                json.WriteString("issuer", User.Issuer);
                json.WriteEndObject();
            }

            json.WritePropertyName("initialize");
            JsonSerializer.Serialize(json, Initialize, s_initializeType);
            json.WriteEndObject();
        }

        return new EventData(EventType, buffer.WrittenMemory.ToArray());
    }

    /// <summary>Decodes a stored session record; <see langword="null"/> for anything else.</summary>
    public static SessionRecord? Decode(StoredEvent stored)
    {
        if (stored.EventType != EventType)
        {
            return null;
        }

        try
        {
            using JsonDocument document = JsonDocument.Parse(stored.Data);
            JsonElement root = document.RootElement;
            string? session = root.GetProperty("session").GetString();
            InitializeRequestParams? initialize = root.GetProperty("initialize").Deserialize(s_initializeType);
            SessionUser? user = root.TryGetProperty("user", out JsonElement u)
                ? new SessionUser(u.GetProperty("type").GetString()!, u.GetProperty("value").GetString()!, u.GetProperty("issuer").GetString()!)
                : null;
            return session is null || initialize is null ? null : new SessionRecord(session, user, initialize);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException or KeyNotFoundException)
        {
            return null;
        }
    }
}

/// <summary>
/// The user a session belongs to, found as the SDK finds it (first name identifier, <c>sub</c> or UPN claim of the
/// authenticated identities); <see langword="null"/> for an anonymous request.
/// </summary>
internal sealed record SessionUser(string Type, string Value, string Issuer)
{
    private static readonly string[] s_claimTypes = [ClaimTypes.NameIdentifier, "sub", ClaimTypes.Upn];

    /// <summary>The user of <paramref name="principal"/>; <paramref name="valid"/> is <see langword="false"/> for an authenticated user without any of the claims.</summary>
    public static SessionUser? Of(ClaimsPrincipal principal, out bool valid)
    {
        ClaimsIdentity[] authenticated = [.. principal.Identities.Where(i => i.IsAuthenticated)];
        valid = true;
        if (authenticated.Length == 0)
        {
            return null;
        }

        foreach (string type in s_claimTypes)
        {
            Claim? claim = authenticated.Select(i => i.FindFirst(type)).FirstOrDefault(c => c is not null);
            if (claim is not null)
            {
                valid = !string.IsNullOrEmpty(claim.Value);
                return valid ? new SessionUser(claim.Type, claim.Value, claim.Issuer) : null;
            }
        }

        valid = false;
        return null;
    }
}
