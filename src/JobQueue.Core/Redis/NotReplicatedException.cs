using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// A write reached its master but not <see cref="QueueOptions.ReplicationAcks"/> of its replicas in time: it may be lost if
/// the master dies now. A Redis failure like any other (a later try may succeed): the API answers 503, and a client
/// that retries with the same Idempotency-Key gets the same job.
/// </summary>
public sealed class NotReplicatedException(string queue, int required, int acknowledged)
    : RedisException($"Queue {queue}'s master has the write, but {acknowledged} of the {required} replica(s) required acknowledged it in time.");
