using System.Security.Cryptography;
using System.Text;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// The keys and arguments of one enqueue.lua call, in the order its header lists them, built here and nowhere else:
/// four keys, then each job's hash, then the idempotency keys the jobs name; <see cref="Leading"/> arguments, then per
/// job its id, type, payload and traceparent, and the options it has as (name, value) pairs after their count.
/// </summary>
internal sealed class EnqueueScriptCall
{
    private const int Leading = 5;

    private readonly List<RedisKey> _keys;
    private readonly List<RedisValue> _arguments;

    public EnqueueScriptCall(QueueKeys keys, QueueOptions options, IReadOnlyList<PendingJob> jobs)
    {
        _keys = new List<RedisKey>(4 + jobs.Count * 2) { keys.Stream, keys.Jobs, keys.Scheduled, keys.Types };
        _keys.AddRange(jobs.Select(pending => keys.Job(pending.Id)));
        _arguments = new List<RedisValue>(Leading + 5 * jobs.Count)
        {
            keys.Events.ToString(), (long)options.IdempotencyWindow.TotalMilliseconds,
            (long)options.DeadLetterRetention.TotalMilliseconds, keys.JobPrefix, jobs.Count,
        };
        foreach (var job in jobs)
        {
            Add(job, keys);
        }
    }

    public RedisKey[] Keys => [.. _keys];

    public RedisValue[] Arguments => [.. _arguments];

    /// <summary>The script's reply, one row per job: {job id, created_at, replayed, status}, which it sends one after another.</summary>
    public static RedisResult[][] Rows(RedisResult[] reply) => reply.Chunk(4).ToArray();

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

    private void Add(PendingJob pending, QueueKeys keys)
    {
        var (job, id, traceParent) = pending;
        _arguments.AddRange([id, job.Type, job.PayloadJson, traceParent]);
        var count = _arguments.Count;
        _arguments.Add(0);
        void Option(string name, RedisValue value)
        {
            _arguments.Add(name);
            _arguments.Add(value);
        }

        if (job.RunAt is { } runAt)
        {
            Option("run_at", runAt.ToUnixTimeMilliseconds());
        }

        if (job.IdempotencyKey is { } key)
        {
            _keys.Add(keys.Idempotency(key));
            Option("key", _keys.Count); // its position in KEYS, as Lua counts (from 1)
            // The fingerprint tells a repeat from a different request under the same key.
            Option("fingerprint", FingerprintOf(job));
        }

        if (job.Policy?.Validated() is { } policy)
        {
            var (maxAttempts, backoff, timeoutMs) = policy.ToFields();
            foreach (var (name, value) in new[] { ("max_attempts", maxAttempts), ("backoff", backoff), ("timeout_ms", timeoutMs) })
            {
                if (value != "")
                {
                    Option(name, value);
                }
            }
        }

        if (job.Group is { } group)
        {
            Option("group", group);
        }

        if (job.Owner is { } owner)
        {
            Option("owner", owner);
        }

        if (job.DependsOn is { Count: > 0 })
        {
            Option("depends_on", DependenciesOf(job));
        }

        _arguments[count] = (_arguments.Count - count - 1) / 2;
    }
}
