using System.Text.Json;
using JobQueue.Api.Jobs;

namespace JobQueue.Api.Feeds;

/// <summary>
/// One event of a queue's feed: what happened (<c>event</c>: the job's new status, or <c>progress</c>) and the job's state
/// after it. Its id (the SSE event id) is its entry in the queue's event log.
/// </summary>
public sealed record QueueEventView(
    string EventId, string Event, string JobId, string? Type, string? Owner, long Version, string Status, int Attempts,
    JsonElement? Progress, JsonElement? Result, string? Error, long At)
{
    public static QueueEventView From(string eventId, JobChange change) => new(
        eventId, change.Event ?? change.Status, change.JobId, change.Type, change.Owner, change.Version, change.Status, change.Attempts,
        RawJson.ParseOrNull(change.ProgressJson), RawJson.ParseOrNull(change.ResultJson), change.Error, change.At);
}
