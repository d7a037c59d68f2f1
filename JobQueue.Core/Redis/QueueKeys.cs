using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Every Redis key of one queue. All share the hash tag <c>{name}</c>, so each script touches a single
/// slot and the queue runs unchanged on Redis Cluster.
/// </summary>
public sealed class QueueKeys(string queueName)
{
    /// <summary>Consumer group the workers read through.</summary>
    public const string ConsumerGroup = "workers";

    private readonly string _prefix = "{" + queueName + "}:";

    /// <summary>Stream of entries <c>job_id</c>, <c>traceparent</c>: one per job waiting or running.</summary>
    public RedisKey Stream => _prefix + "stream";

    /// <summary>Sorted set of the ids of jobs that failed for good, scored by when (ms); the newest 10,000.</summary>
    public RedisKey Failed => _prefix + "failed";

    /// <summary>Hash holding one job's state (see README, "Redis keys").</summary>
    public RedisKey Job(string jobId) => _prefix + "job:" + jobId;
}
