using System.Text.Json;

namespace Herald.Client;

internal static class Json
{
    public static string? StringMember(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
