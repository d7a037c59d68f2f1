namespace JobQueue.Processing.Components;

/// <summary>
/// The queues this worker reads (<see cref="WorkerOptions.Queues"/>), and the order to ask them for work in:
/// by weight, each take's order drawn at random in proportion to the weights (as Asynq does), so a queue of
/// weight 6 is asked first about 6 times as often as one of weight 1; or in strict priority, highest weight first.
/// A partitioned queue's partitions are asked one after another, from one drawn at random, where the queue's turn is.
/// </summary>
internal sealed class WorkerQueues
{
    private readonly IReadOnlyList<WorkerQueue> _all;
    private readonly WorkerQueue[][] _queues;
    private readonly WorkerQueue[][] _byPriority;

    public WorkerQueues(IReadOnlyList<WorkerQueue> queues, bool strictPriority)
    {
        (_all, StrictPriority) = (queues, strictPriority);
        _queues = [.. queues.GroupBy(q => q.Queue).Select(partitions => partitions.ToArray())];
        _byPriority = [.. _queues.OrderByDescending(q => q[0].Weight)]; // stable: ties keep their order
    }

    /// <summary>Every queue and partition read.</summary>
    public IReadOnlyList<WorkerQueue> All => _all;

    public bool StrictPriority { get; }

    /// <summary>The order to ask the queues (and partitions) for work in this time.</summary>
    public IReadOnlyList<WorkerQueue> Order(Random random)
    {
        if (_all.Count == 1)
        {
            return _all;
        }

        return [.. QueueOrder(random).SelectMany(partitions => Rotated(partitions, random))];
    }

    private IEnumerable<WorkerQueue[]> QueueOrder(Random random)
    {
        if (StrictPriority || _queues.Length == 1)
        {
            return _byPriority;
        }

        var remaining = new List<WorkerQueue[]>(_queues);
        var total = remaining.Sum(q => q[0].Weight);
        var order = new WorkerQueue[remaining.Count][];
        for (var i = 0; i < order.Length; i++)
        {
            var pick = random.Next(total);
            var at = 0;
            while (pick >= remaining[at][0].Weight)
            {
                pick -= remaining[at++][0].Weight;
            }

            order[i] = remaining[at];
            total -= remaining[at][0].Weight;
            remaining.RemoveAt(at);
        }

        return order;
    }

    /// <summary>A queue's partitions from a random one on, so that none is always asked first.</summary>
    private static IEnumerable<WorkerQueue> Rotated(WorkerQueue[] partitions, Random random)
    {
        var first = partitions.Length == 1 ? 0 : random.Next(partitions.Length);
        return partitions[first..].Concat(partitions[..first]);
    }
}
