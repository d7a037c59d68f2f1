using System.Text;
using System.Text.Json;
using JobQueue.Api.Http;

namespace JobQueue.Api.Jobs;

/// <summary>
/// Stored JSON text back to a JSON value, for every answer that shows one (a payload, a result, progress). Text no answer
/// could hold comes back as a string of itself, so that one job cannot break every listing that shows it: text that is not
/// JSON (a hand-edited hash), nested deeper than <see cref="JsonNesting.MaxStoredDepth"/>, or with a string that is not
/// valid Unicode (written by an earlier version, or by a .NET app through JobStore, which take the text as given).
/// </summary>
public static class RawJson
{
    private static readonly JsonDocumentOptions StoredValue = new() { MaxDepth = JsonNesting.MaxStoredDepth };

    public static JsonElement? ParseOrNull(string? json) => json is null ? null : Parse(json);

    public static JsonElement Parse(string json)
    {
        try
        {
            var utf8 = Encoding.UTF8.GetBytes(json);
            using var document = JsonDocument.Parse(utf8, StoredValue);
            return JsonStrings.HaveLoneSurrogate(utf8, JsonNesting.MaxStoredDepth) ? AsText(json) : document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return AsText(json);
        }
    }

    private static JsonElement AsText(string json) => JsonSerializer.SerializeToElement(json, ApiJsonContext.Default.String);
}
