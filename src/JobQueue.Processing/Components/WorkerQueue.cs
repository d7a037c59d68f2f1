using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>One queue this worker reads: its seat in the queue's consumer group, its housekeeping, and its weight.</summary>
public sealed record WorkerQueue(JobConsumer Consumer, QueueMaintenance Maintenance, int Weight)
{
    public string Name => Consumer.Keys.Name;
}
