using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// One queue this worker reads, or one partition of it: its seat in the consumer group, its housekeeping, its weight (a
/// partitioned queue's, shared by its partitions), and how many partitions the worker reads of the queue.
/// </summary>
internal sealed record WorkerQueue(JobConsumer Consumer, QueueMaintenance Maintenance, int Weight, int Partitions = 1)
{
    /// <summary>The name in the keys' hash tag: the queue's, or its partition's.</summary>
    public string Name => Consumer.Keys.Name;

    /// <summary>The queue, as users name it.</summary>
    public string Queue => Consumer.Keys.Queue;
}
