using System.Text.Json;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// A job's Redis hash (<c>{queue}:job:&lt;id&gt;</c>): the names of its fields and how each is encoded, the one place C#
/// reads them. The scripts that write the hash use the same names (JobHashTests holds every field a script touches to
/// this list); docs/architecture.md, "Redis keys", says what each means. Times are Unix ms on Redis's clock; JSON fields
/// are JSON text.
/// </summary>
internal static class JobHash
{
    public const string Status = "status";
    public const string Type = "type";
    public const string Payload = "payload";
    public const string Result = "result";
    public const string Progress = "progress";
    public const string LastError = "last_error";
    public const string History = "history";
    public const string Attempts = "attempts";
    public const string Runs = "runs";
    public const string Version = "version";
    public const string CreatedAt = "created_at";
    public const string RunAt = "run_at";
    public const string FinishedAt = "finished_at";
    public const string EntryId = "entry_id";
    public const string TraceParent = "traceparent";
    public const string DeadLetterId = "dead_letter_id";
    public const string MaxAttempts = "max_attempts";
    public const string Backoff = "backoff";
    public const string TimeoutMs = "timeout_ms";
    public const string Group = "group";
    public const string Owner = "owner";
    public const string Dependencies = "dependencies";
    public const string DependenciesTotal = "deps_total";
    public const string DependenciesPending = "deps_pending";
    public const string SettledBy = "settled_by";
    public const string Dependants = "dependants";

    /// <summary>Per run, the newest 25: <c>a:&lt;run&gt;</c> when its claim started it, <c>e:&lt;run&gt;</c> when it ended.</summary>
    public const string AttemptStartPrefix = "a:";

    public const string AttemptEndPrefix = "e:";

    /// <summary>Every field name above, prefixes aside.</summary>
    public static readonly IReadOnlySet<string> Fields = new HashSet<string>(StringComparer.Ordinal)
    {
        Status, Type, Payload, Result, Progress, LastError, History, Attempts, Runs, Version, CreatedAt, RunAt,
        FinishedAt, EntryId, TraceParent, DeadLetterId, MaxAttempts, Backoff, TimeoutMs, Group, Owner, Dependencies,
        DependenciesTotal, DependenciesPending, SettledBy, Dependants,
    };

    /// <summary>The fields an owner's feed shows (<see cref="OwnedJob"/>): not the payload or history, which may be large.</summary>
    public static readonly RedisValue[] OwnedFields = [Status, Type, Version, Attempts, Progress, Result, LastError];

    /// <summary>The job a whole hash (HGETALL) holds, in <paramref name="queue"/>.</summary>
    public static JobRecord ToRecord(string jobId, string queue, HashEntry[] entries)
    {
        var hash = entries.ToDictionary(f => f.Name.ToString(), f => f.Value);
        return new JobRecord(
            jobId,
            String(hash, Status) ?? JobStatus.Queued,
            String(hash, Type) ?? "",
            String(hash, Payload) ?? "null",
            String(hash, Result),
            String(hash, Progress),
            (int?)Number(hash, Attempts) ?? 0,
            Number(hash, Version) ?? 0,
            Time(hash, CreatedAt) ?? DateTimeOffset.UnixEpoch,
            Time(hash, RunAt),
            StartOfLatestRun(hash),
            Time(hash, FinishedAt) ?? EndOfLatestRunDone(hash),
            String(hash, LastError),
            String(hash, History),
            JobPolicy.FromFields(String(hash, MaxAttempts), String(hash, Backoff), String(hash, TimeoutMs)),
            queue,
            String(hash, Group),
            String(hash, Owner),
            DependenciesOf(String(hash, Dependencies)),
            (int?)Number(hash, DependenciesPending) ?? 0,
            String(hash, SettledBy),
            (int?)Number(hash, Dependants) ?? 0);
    }

    /// <summary>The job an HMGET of <see cref="OwnedFields"/> read, last changed at <paramref name="changedAt"/>; null if the hash is gone.</summary>
    public static OwnedJob? ToOwnedJob(string jobId, string queue, RedisValue[] values, long changedAt)
    {
        if (values.All(v => v.IsNull))
        {
            return null;
        }

        var hash = OwnedFields.Zip(values).ToDictionary(f => f.First.ToString(), f => f.Second);
        return new OwnedJob(jobId, queue, String(hash, Type) ?? "", Number(hash, Version) ?? 0, String(hash, Status) ?? JobStatus.Queued,
            (int?)Number(hash, Attempts) ?? 0, String(hash, Progress), String(hash, Result), String(hash, LastError), changedAt);
    }

    /// <summary>
    /// When the job's latest run started, from its start record (<c>a:&lt;runs&gt;</c>, written by the claim that started
    /// it): none before its first claim in its current budget of attempts (new, or retried by hand).
    /// </summary>
    private static DateTimeOffset? StartOfLatestRun(Dictionary<string, RedisValue> hash) =>
        Number(hash, Attempts) > 0 && Number(hash, Runs) is { } run
        && JobAttempt.FromRecords((int)run, String(hash, AttemptStartPrefix + run), end: null, traceId: null, NoWorkers) is { } attempt
            ? attempt.StartedAt
            : null;

    /// <summary>
    /// When a job done ended: its latest run's end record (<c>e:&lt;runs&gt;</c>), which the completion writes with the
    /// result. Every other end (failed, canceled) is recorded in <c>finished_at</c>, since some of them end no run.
    /// </summary>
    private static DateTimeOffset? EndOfLatestRunDone(Dictionary<string, RedisValue> hash) =>
        String(hash, Status) == JobStatus.Done && Number(hash, Runs) is { } run
        && JobAttempt.FromRecords((int)run, String(hash, AttemptStartPrefix + run), String(hash, AttemptEndPrefix + run), traceId: null, NoWorkers)
            is { EndedAt: { } ended }
            ? ended
            : null;

    private static readonly IReadOnlyDictionary<string, WorkerRegistration> NoWorkers = new Dictionary<string, WorkerRegistration>();

    /// <summary>The <c>dependencies</c> field as enqueue.lua wrote it: a JSON object of dependency id → policy.</summary>
    private static IReadOnlyList<JobDependency>? DependenciesOf(string? json)
    {
        if (json is null)
        {
            return null;
        }

        using var edges = JsonDocument.Parse(json);
        return [.. edges.RootElement.EnumerateObject().Select(edge =>
            JobDependency.On(edge.Name, DependencyFailureNames.TryParse(edge.Value.GetString(), out var policy) ? policy : DependencyFailure.Fail))];
    }

    private static string? String(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && value.HasValue ? value.ToString() : null;

    private static long? Number(Dictionary<string, RedisValue> hash, string field) =>
        hash.TryGetValue(field, out var value) && long.TryParse(value.ToString(), out var number) ? number : null;

    private static DateTimeOffset? Time(Dictionary<string, RedisValue> hash, string field) =>
        Number(hash, field) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;
}
