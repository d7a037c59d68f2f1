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
        var now = DateTimeOffset.UtcNow;
        var stats = await _inspector.StatsAsync(queueName);
        var due = (await Task.WhenAll(partitions.Select(keys =>
            db.SortedSetLengthAsync(keys.Scheduled, double.NegativeInfinity, now.ToUnixTimeMilliseconds())))).Sum();
        var oldest = stats.Waiting > 0 ? (await Task.WhenAll(partitions.Select(keys => OldestWaitingSinceAsync(db, keys, now)))).Min() : now;
        return new QueueDemand(stats.Waiting, stats.Pending, due, now - oldest);
    }

    /// <summary>When the oldest entry no worker has read yet was added (its id's time): the first after the group's last delivered.</summary>
    private static async Task<DateTimeOffset> OldestWaitingSinceAsync(IDatabase db, QueueKeys keys, DateTimeOffset now)
    {
        var group = (await db.StreamGroupInfoAsync(keys.Stream)).FirstOrDefault(g => g.Name == QueueKeys.ConsumerGroup);
        RedisValue after = group.Name is null ? "-" : "(" + group.LastDeliveredId;
        var first = await db.StreamRangeAsync(keys.Stream, after, "+", 1);
        return first.Length == 0 ? now : StreamEntryTime.Of(first[0].Id.ToString());
    }
}
