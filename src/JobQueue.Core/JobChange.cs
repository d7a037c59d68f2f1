using System.Diagnostics.CodeAnalysis;
using System.Text.Json;

namespace JobQueue;

/// <summary>
/// A change of a job, as the script that made it publishes it on the queue's events channel (<c>publish()</c> in
/// Redis/Scripts/_prelude.lua): <c>{"job_id", "version", "status", "attempts", "progress"?, "result"?, "error"?,
/// "owner"?, "type"?, "event"?, "at", "event_id"?}</c>, progress and result as JSON text; <c>type</c> where the script knew it
/// (enqueue, start), <c>event</c> where the change was not of status (<c>progress</c>). <see cref="At"/> is when the change was made
/// (Redis time, ms), the score of the job in its owner's index; <see cref="EventId"/> is its entry in the queue's
/// event log, while the log is on. <c>type</c>, <c>event</c> and <c>at</c> come only where a feed can see the change
/// (the job has an owner, or the log is on): watchers of one job do not need them.
/// </summary>
public sealed record JobChange(
    string JobId, long Version, string Status, int Attempts, string? ProgressJson, string? ResultJson, string? Error,
    string? Owner = null, long At = 0, string? EventId = null, string? Type = null, string? Event = null)
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
                Text("error"),
                Text("owner"),
                root.TryGetProperty("at", out var at) ? at.GetInt64() : 0,
                Text("event_id"),
                Text("type"),
                Text("event"));
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
