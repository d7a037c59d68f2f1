using System.Text.Json;

namespace JobQueue.Dashboard.Shared;

/// <summary>JSON indented for reading; anything else (a hash edited by hand, text JSON cannot write back) as it is.</summary>
internal static class PrettyJson
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, MaxDepth = 256 };

    public static string Format(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { MaxDepth = 256 });
            return JsonSerializer.Serialize(document.RootElement, Indented);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return json;
        }
    }
}
