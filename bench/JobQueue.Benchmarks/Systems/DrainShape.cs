namespace JobQueue.Benchmarks.Systems;

/// <summary>
/// What a drain's workers read, set up alike for both systems: <see cref="Queues"/> with their weights (JobQueue:
/// <c>Worker:Queues</c>; BullMQ, which reads one queue per <c>Worker</c>: one per queue, the process's concurrency
/// split by weight), and a rate limit on each queue that all workers hold together (JobQueue: the queue's limit;
/// BullMQ: the worker's <c>limiter</c>).
/// </summary>
public sealed record DrainShape(string Name, IReadOnlyList<WeightedQueue> Queues, int? RateMax = null, TimeSpan? RatePeriod = null)
{
    /// <summary>The plain drain: the system's usual queue (JobQueue's default queue, BullMQ's <c>bench</c>), no limit.</summary>
    public static DrainShape Plain { get; } = new("plain", [new WeightedQueue(null, 1)]);
}

/// <summary>A queue by name (null: the system's usual one) and its weight.</summary>
public sealed record WeightedQueue(string? Name, int Weight);
