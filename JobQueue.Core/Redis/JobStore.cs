using System.Diagnostics;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>Adds jobs to the queue and reads them back: what the API needs.</summary>
public sealed class JobStore(IConnectionMultiplexer redis, QueueKeys keys)
{
    private IDatabase Db => redis.GetDatabase();

    /// <summary>
    /// Writes the job hash and its stream entry in one script. The entry carries the W3C traceparent of an
    /// "enqueue" producer span, so the worker's processing span continues the caller's trace.
    /// </summary>
    public async Task<JobRecord> EnqueueAsync(string type, string payloadJson)
    {
        var jobId = Guid.NewGuid().ToString("D");
        using var activity = JobQueueTelemetry.Source.StartActivity($"enqueue {type}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", keys.Stream.ToString());
        activity?.SetTag("jobqueue.job.id", jobId);
        activity?.SetTag("jobqueue.job.type", type);

        var traceParent = (activity ?? Activity.Current)?.Id ?? "";
        var result = (RedisResult[])(await Db.ScriptEvaluateAsync(
            QueueScripts.Enqueue,
            [keys.Job(jobId), keys.Stream],
            [jobId, type, payloadJson, traceParent]))!;
        JobQueueTelemetry.JobsEnqueued.Add(1, new KeyValuePair<string, object?>("jobqueue.job.type", type));
        var createdAt = DateTimeOffset.FromUnixTimeMilliseconds((long)result[1]);
        return new JobRecord(jobId, JobStatus.Queued, type, payloadJson, null, 0, createdAt, null, null, null);
    }

    public async Task<JobRecord?> GetAsync(string jobId)
    {
        var fields = await Db.HashGetAllAsync(keys.Job(jobId));
        if (fields.Length == 0)
        {
            return null;
        }

        var hash = fields.ToDictionary(f => f.Name.ToString(), f => f.Value);
        return new JobRecord(
            jobId,
            String(hash, "status") ?? JobStatus.Queued,
            String(hash, "type") ?? "",
            String(hash, "payload") ?? "null",
            String(hash, "result"),
            (int?)Number(hash, "attempts") ?? 0,
            Time(hash, "created_at") ?? DateTimeOffset.UnixEpoch,
            Time(hash, "started_at"),
            Time(hash, "finished_at"),
            String(hash, "last_error"));
    }

    private static string? String(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && value.HasValue ? value.ToString() : null;

    private static long? Number(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && long.TryParse(value.ToString(), out var number) ? number : null;

    private static DateTimeOffset? Time(Dictionary<string, RedisValue> hash, string field) =>
        Number(hash, field) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
