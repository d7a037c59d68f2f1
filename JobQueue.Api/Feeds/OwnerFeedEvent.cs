using System.Text.Json;
using JobQueue.Api.Jobs;

namespace JobQueue.Api.Feeds;

/// <summary>
/// One message of an owner's feed: a job's state after a change. <c>at</c> (Unix ms, Redis time) is the change's time
/// and the feed's resume point (the SSE event id, the WebSocket's <c>after</c>); <c>job_id</c> + <c>version</c> tell a
/// repeat from news. <c>type</c> is there where the change knew it (the job's first event, its start, and every
/// catch-up).
/// </summary>
public sealed record OwnerFeedEvent(
    string JobId, string Queue, string? Type, long Version, string Status, int Attempts, JsonElement? Progress,
    JsonElement? Result, string? Error, long At)
{
    public static OwnerFeedEvent From(QueuedChange queued)
    {
        var change = queued.Change;
        return new(change.JobId, queued.Queue, change.Type, change.Version, change.Status, change.Attempts,
            RawJson.ParseOrNull(change.ProgressJson), RawJson.ParseOrNull(change.ResultJson), change.Error, change.At);
    }

    public static OwnerFeedEvent From(OwnedJob job) =>
        new(job.JobId, job.Queue, job.Type, job.Version, job.Status, job.Attempts, RawJson.ParseOrNull(job.ProgressJson),
            RawJson.ParseOrNull(job.ResultJson), job.Error, job.ChangedAt);
}
