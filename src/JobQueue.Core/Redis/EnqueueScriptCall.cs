using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// The keys and arguments of one enqueue.lua call, in the order its header lists them, built here and nowhere else:
/// four keys, then each job's hash, then the idempotency keys the jobs name; <see cref="Leading"/> arguments, then
/// <see cref="PerJob"/> per job, read by the script as <c>arg(i, k)</c> with k the slot named below.
/// </summary>
internal sealed class EnqueueScriptCall
{
    private const int Leading = 5, PerJob = 13;
    private const int Id = 1, Type = 2, Payload = 3, TraceParent = 4, RunAt = 5, IdempotencyKeyPosition = 6, Fingerprint = 7,
        MaxAttempts = 8, Backoff = 9, TimeoutMs = 10, Group = 11, Owner = 12, Dependencies = 13;

    private readonly List<RedisKey> _keys;
    private readonly RedisValue[] _arguments;

    public EnqueueScriptCall(QueueKeys keys, QueueOptions options, IReadOnlyList<PendingJob> jobs)
    {
        _keys = new List<RedisKey>(4 + jobs.Count * 2) { keys.Stream, keys.Jobs, keys.Scheduled, keys.Types };
        _keys.AddRange(jobs.Select(pending => keys.Job(pending.Id)));
        _arguments = new RedisValue[Leading + PerJob * jobs.Count];
        (_arguments[0], _arguments[1], _arguments[2], _arguments[3], _arguments[4]) = (keys.Events.ToString(),
            (long)options.IdempotencyWindow.TotalMilliseconds, (long)options.DeadLetterRetention.TotalMilliseconds, keys.JobPrefix, jobs.Count);
        for (var i = 0; i < jobs.Count; i++)
        {
            Add(i + 1, jobs[i], keys);
        }
    }

    public RedisKey[] Keys => [.. _keys];

    public RedisValue[] Arguments => _arguments;

    /// <summary>The dependencies of a job as the script reads them: '&lt;ref&gt; &lt;policy&gt;' pairs ('' for none).</summary>
    public static string DependenciesOf(NewJob job) =>
        job.DependsOn is { Count: > 0 } dependencies ? string.Join(' ', dependencies.Select(d => d.Ref + " " + d.OnFailure.ToName())) : "";

    /// <summary>
    /// What an idempotency key remembers of its first request, to refuse a different one under the same key. A job
    /// without a policy, group or owner hashes as it did before those existed, so keys stored by an earlier version still match.
    /// </summary>
    public static string FingerprintOf(NewJob job) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(job.Type + "\n" + job.PayloadJson
            + (job.Policy is { } policy ? "\n" + policy.ToFields() : "") + (job.Group is { } group ? "\ngroup:" + group : "") + (job.Owner is { } owner ? "\nowner:" + owner : "")
            + (job.DependsOn is { Count: > 0 } ? "\ndepends:" + DependenciesOf(job) : ""))));

    /// <summary>Job <paramref name="i"/> (from 1, as Lua counts).</summary>
    private void Add(int i, PendingJob pending, QueueKeys keys)
    {
        var (job, id, traceParent) = pending;
        var keyPosition = 0;
        if (job.IdempotencyKey is { } key)
        {
            _keys.Add(keys.Idempotency(key));
            keyPosition = _keys.Count; // Lua counts from 1
        }

        var (maxAttempts, backoff, timeoutMs) = job.Policy?.Validated().ToFields() ?? ("", "", "");
        Set(i, Id, id);
        Set(i, Type, job.Type);
        Set(i, Payload, job.PayloadJson);
        Set(i, TraceParent, traceParent);
        Set(i, RunAt, job.RunAt?.ToUnixTimeMilliseconds() ?? 0);
        Set(i, IdempotencyKeyPosition, keyPosition);
        // The fingerprint tells a repeat from a different request under the same key: only needed with a key.
        Set(i, Fingerprint, keyPosition == 0 ? RedisValue.EmptyString : FingerprintOf(job));
        Set(i, MaxAttempts, maxAttempts);
        Set(i, Backoff, backoff);
        Set(i, TimeoutMs, timeoutMs);
        Set(i, Group, job.Group ?? "");
        Set(i, Owner, job.Owner ?? "");
        Set(i, Dependencies, DependenciesOf(job));
    }

    /// <summary>The script's <c>arg(i, k)</c>: <c>ARGV[5 + 13(i - 1) + k]</c>, here counted from 0.</summary>
    private void Set(int i, int slot, RedisValue value) => _arguments[Leading + PerJob * (i - 1) + slot - 1] = value;
}
