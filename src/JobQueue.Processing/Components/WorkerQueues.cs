namespace JobQueue.Processing.Components;

/// <summary>
/// The queues this worker reads (<see cref="WorkerOptions.Queues"/>), and the order to ask them for work in:
/// by weight, each take's order drawn at random in proportion to the weights (as Asynq does), so a queue of
/// weight 6 is asked first about 6 times as often as one of weight 1; or in strict priority, highest weight first.
/// </summary>
public sealed class WorkerQueues(IReadOnlyList<WorkerQueue> queues, bool strictPriority)
{
    private readonly WorkerQueue[] _byPriority = [.. queues.OrderByDescending(q => q.Weight)]; // stable: ties keep their order

    public IReadOnlyList<WorkerQueue> All => queues;

    /// <summary>The order to ask the queues for work in this time.</summary>
    public IReadOnlyList<WorkerQueue> Order(Random random)
    {
        if (strictPriority || queues.Count == 1)
        {
            return _byPriority;
        }

        var remaining = new List<WorkerQueue>(queues);
        var total = remaining.Sum(q => q.Weight);
        var order = new WorkerQueue[remaining.Count];
        for (var i = 0; i < order.Length; i++)
        {
            var pick = random.Next(total);
            var at = 0;
            while (pick >= remaining[at].Weight)
            {
                pick -= remaining[at++].Weight;
            }

            order[i] = remaining[at];
            total -= remaining[at].Weight;
            remaining.RemoveAt(at);
        }

        return order;
    }
}
