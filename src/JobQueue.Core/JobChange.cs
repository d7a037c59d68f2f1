using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace JobQueue;

/// <summary>
/// A change of a job, as the script that made it publishes it on the queue's events channel (<c>publish()</c> in
/// Redis/Scripts/_prelude.lua): <c>{"job_id", "version", "status", "attempts", "progress"?, "result"?, "error"?}</c>,
/// progress and result as JSON text.
/// </summary>
public sealed record JobChange(
    string JobId, long Version, string Status, int Attempts, string? ProgressJson, string? ResultJson, string? Error)
{
    /// <summary>Reads a published change; false, with the reason, for a message that is not one.</summary>
    public static bool TryParse(string json, [NotNullWhen(true)] out JobChange? change, [NotNullWhen(false)] out string? reason)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            string? Text(string name) => root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            change = new JobChange(
                root.GetProperty("job_id").GetString()!,
                root.GetProperty("version").GetInt64(),
                root.GetProperty("status").GetString()!,
                root.GetProperty("attempts").GetInt32(),
                Text("progress"),
                Text("result"),
                Text("error"));
            reason = null;
            return true;
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            (change, reason) = (null, e.Message);
            return false;
        }
    }
}
