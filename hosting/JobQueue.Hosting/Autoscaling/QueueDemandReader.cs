using JobQueue.Redis;
using StackExchange.Redis;

namespace JobQueue.Hosting.Autoscaling;

/// <summary>Reads a pool's <see cref="QueueDemand"/> from Redis: a few bounded reads per queue, never a scan.</summary>
internal sealed class QueueDemandReader(IConnectionMultiplexer redis, QueueDirectory queues)
{
    private readonly QueueInspector _inspector = new(redis, queues);

    public async Task<QueueDemand> ReadAsync(IReadOnlyList<string> queueNames)
    {
        var demand = QueueDemand.None;
        foreach (var name in queueNames)
        {
            demand = demand.Plus(await ReadAsync(name));
        }

        return demand;
    }

    /// <summary>One queue's demand: of a partitioned queue, the sums over its partitions and the oldest wait of any.</summary>
    private async Task<QueueDemand> ReadAsync(string queueName)
    {
        var (db, partitions) = (redis.GetDatabase(), await queues.PartitionsAsync(queueName));
        var now = await db.NowAsync();
        var stats = await _inspector.StatsAsync(queueName);
        var due = (await Task.WhenAll(partitions.Select(keys =>
            db.SortedSetLengthAsync(keys.Scheduled, double.NegativeInfinity, now.ToUnixTimeMilliseconds())))).Sum();
        var oldestWait = stats.Waiting > 0 ? await _inspector.OldestWaitAsync(queueName) : TimeSpan.Zero;
        return new QueueDemand(stats.Waiting, stats.Pending, due, oldestWait);
    }
}
