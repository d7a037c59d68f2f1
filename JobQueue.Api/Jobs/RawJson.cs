using System.Text.Json;

namespace JobQueue.Api.Jobs;

/// <summary>Stored JSON text back to a JSON value; text that is not JSON (a hand-edited hash) comes back as a string.</summary>
public static class RawJson
{
    public static JsonElement? ParseOrNull(string? json) => json is null ? null : Parse(json);

    public static JsonElement Parse(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(json, ApiJsonContext.Default.String);
        }
    }
}
