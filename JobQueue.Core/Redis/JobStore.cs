using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Redis;

public sealed record EnqueueResult(JobRecord Job, bool Replayed);

public sealed record DeadLetter(string EntryId, string JobId, string Type, int Attempts, string Error, DateTimeOffset FailedAt);

public sealed record ConsumerStats(string Name, long Pending, TimeSpan Idle);

public sealed record QueueStats(
    long StreamLength, long Pending, IReadOnlyList<ConsumerStats> Consumers, long Scheduled, long DeadLetters,
    IReadOnlyDictionary<string, long> Totals);

/// <summary>A job type no worker has registered a handler for.</summary>
public sealed class UnknownJobTypeException(string type, IReadOnlyCollection<string> known)
    : Exception($"No worker has a handler for job type '{type}'. Known types: {string.Join(", ", known)}.");

/// <summary>An Idempotency-Key sent again with a different request than the one it first came with.</summary>
public sealed class IdempotencyKeyReusedException() : Exception("The Idempotency-Key was already used for a different request.");

/// <summary>Adds, reads, lists, cancels and retries jobs: what the API needs.</summary>
public sealed class JobStore(IConnectionMultiplexer redis, QueueKeys keys, IOptions<QueueOptions> options)
{
    private IDatabase Db => redis.GetDatabase();

    private QueueOptions Options => options.Value;

    /// <summary>
    /// Writes the job (hash, index, and stream entry or schedule) in one script. The entry carries the W3C
    /// traceparent of an "enqueue" producer span, so the worker's processing span continues the caller's trace.
    /// With an idempotency key, a repeat within the window returns the first job (<see cref="EnqueueResult.Replayed"/>).
    /// </summary>
    public async Task<EnqueueResult> EnqueueAsync(string type, string payloadJson, DateTimeOffset? runAt = null, string? idempotencyKey = null)
    {
        var jobId = Guid.NewGuid().ToString("D");
        using var activity = JobQueueTelemetry.Source.StartActivity($"enqueue {type}", ActivityKind.Producer);
        activity?.SetTag("messaging.system", "redis");
        activity?.SetTag("messaging.destination.name", keys.Stream.ToString());
        activity?.SetTag("jobqueue.job.id", jobId);
        activity?.SetTag("jobqueue.job.type", type);

        var traceParent = (activity ?? Activity.Current)?.Id ?? "";
        RedisKey[] scriptKeys = idempotencyKey is null
            ? [keys.Job(jobId), keys.Stream, keys.Index, keys.Schedule, keys.Types]
            : [keys.Job(jobId), keys.Stream, keys.Index, keys.Schedule, keys.Types, keys.Idempotency(idempotencyKey)];
        RedisResult[] result;
        try
        {
            result = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.Enqueue, scriptKeys,
            [
                jobId, type, payloadJson, traceParent, runAt?.ToUnixTimeMilliseconds() ?? 0, keys.Events.ToString(),
                (long)Options.IdempotencyWindow.TotalMilliseconds, Fingerprint(type, payloadJson),
            ]))!;
        }
        catch (RedisServerException e) when (e.Message.StartsWith("IDEMPOTENCY_MISMATCH", StringComparison.Ordinal))
        {
            throw new IdempotencyKeyReusedException();
        }
        catch (RedisServerException e) when (e.Message.StartsWith("UNKNOWN_TYPE", StringComparison.Ordinal))
        {
            var known = await Db.SetMembersAsync(keys.Types);
            throw new UnknownJobTypeException(type, [.. known.Select(k => k.ToString()).Order()]);
        }

        var replayed = (int)result[2] == 1;
        if (!replayed)
        {
            JobQueueTelemetry.JobsEnqueued.Add(1, new KeyValuePair<string, object?>("jobqueue.job.type", type));
        }

        var id = result[0].ToString()!;
        activity?.SetTag("jobqueue.job.id", id);
        var job = new JobRecord(id, result[3].ToString()!, type, payloadJson, null, null, 0, 1,
            DateTimeOffset.FromUnixTimeMilliseconds((long)result[1]), runAt, null, null, null, null);
        return new EnqueueResult(job, replayed);
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
            String(hash, "progress"),
            (int?)Number(hash, "attempts") ?? 0,
            Number(hash, "version") ?? 0,
            Time(hash, "created_at") ?? DateTimeOffset.UnixEpoch,
            Time(hash, "run_at"),
            Time(hash, "started_at"),
            Time(hash, "finished_at"),
            String(hash, "last_error"),
            String(hash, "history"));
    }

    /// <summary>
    /// Cancels an unfinished job. Returns whether it did, and the job's status: "canceled", the terminal status it
    /// already had, or "missing".
    /// </summary>
    public async Task<(bool Canceled, string Status)> CancelAsync(string jobId)
    {
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.Cancel,
            [keys.Job(jobId), keys.Schedule, keys.DeadLetters, keys.Totals],
            [jobId, keys.Events.ToString(), keys.Cancellations.ToString(), (long)Options.Retention.TotalMilliseconds]))!;
        return ((int)reply[0] == 1, reply[1].ToString()!);
    }

    /// <summary>Requeues a failed job with a fresh attempt budget: "queued", "missing", or its status if not failed.</summary>
    public async Task<string> RetryAsync(string jobId) =>
        (await Db.ScriptEvaluateAsync(QueueScripts.Retry,
            [keys.Job(jobId), keys.Stream, keys.DeadLetters],
            [jobId, keys.Events.ToString()])).ToString()!;

    /// <summary>A page of jobs, newest first; <paramref name="cursor"/> continues where the last page ended (null at the end).</summary>
    public async Task<(IReadOnlyList<JobRecord> Jobs, string? NextCursor)> ListAsync(string? status, int limit, string? cursor)
    {
        var reply = (RedisResult[])(await Db.ScriptEvaluateAsync(QueueScripts.List, [keys.Index],
            [keys.JobPrefix, status ?? "", limit, cursor ?? ""]))!;
        var jobs = await Task.WhenAll(reply.Skip(1).Select(id => GetAsync(id.ToString()!)));
        var next = reply[0].ToString();
        return ([.. jobs.OfType<JobRecord>()], string.IsNullOrEmpty(next) ? null : next);
    }

    /// <summary>Dead letters, newest first; <paramref name="cursor"/> is the last entry id of the previous page.</summary>
    public async Task<(IReadOnlyList<DeadLetter> Letters, string? NextCursor)> DeadLettersAsync(int limit, string? cursor)
    {
        var entries = await Db.StreamRangeAsync(keys.DeadLetters, "-", cursor is null ? "+" : "(" + cursor, limit + 1, Order.Descending);
        var letters = entries.Take(limit).Select(e => new DeadLetter(
            e.Id.ToString(),
            e["job_id"].ToString(),
            e["type"].ToString(),
            (int)e["attempts"],
            e["error"].ToString(),
            DateTimeOffset.FromUnixTimeMilliseconds(long.Parse(e.Id.ToString().Split('-')[0])))).ToList();
        return (letters, entries.Length > limit ? letters[^1].EntryId : null);
    }

    public async Task<QueueStats> StatsAsync()
    {
        var db = Db;
        var length = db.StreamLengthAsync(keys.Stream);
        var scheduled = db.SortedSetLengthAsync(keys.Schedule);
        var dead = db.StreamLengthAsync(keys.DeadLetters);
        var totals = db.HashGetAllAsync(keys.Totals);
        long pending = 0;
        IReadOnlyList<ConsumerStats> consumers = [];
        if (await db.KeyExistsAsync(keys.Stream) && (await db.StreamGroupInfoAsync(keys.Stream)).Length > 0)
        {
            pending = (await db.StreamPendingAsync(keys.Stream, QueueKeys.ConsumerGroup)).PendingMessageCount;
            consumers = [.. (await db.StreamConsumerInfoAsync(keys.Stream, QueueKeys.ConsumerGroup))
                .Select(c => new ConsumerStats(c.Name!, c.PendingMessageCount, TimeSpan.FromMilliseconds(c.IdleTimeInMilliseconds)))];
        }

        return new QueueStats(await length, pending, consumers, await scheduled, await dead,
            (await totals).ToDictionary(t => t.Name.ToString(), t => (long)t.Value));
    }

    /// <summary>What an idempotency key remembers of its first request, to refuse a different one under the same key.</summary>
    private static string Fingerprint(string type, string payloadJson) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(type + "\n" + payloadJson)));

    private static string? String(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && value.HasValue ? value.ToString() : null;

    private static long? Number(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && long.TryParse(value.ToString(), out var number) ? number : null;

    private static DateTimeOffset? Time(Dictionary<string, RedisValue> hash, string field) =>
        Number(hash, field) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
