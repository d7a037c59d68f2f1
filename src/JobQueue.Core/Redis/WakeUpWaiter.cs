using System.Globalization;
using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Waits until one of several drained queues raises its wake-up marker (<see cref="QueueKeys.Wake"/>, raised with every
/// new stream entry): one BZPOPMIN over all of them. Redis hands a marker to one waiting client, so a new job wakes one
/// idle worker, not all of them (each of which would make a claim call to find it gone); the worker then takes entries
/// with read_and_claim.lua, from the queue its weights choose, or, waiting on one queue, has the take ride behind the
/// wait (<see cref="WaitThenTakeAsync"/>). It holds a connection of its own: a blocking call would stall every command
/// queued behind it.
/// </summary>
internal sealed class WakeUpWaiter(IConnectionMultiplexer blockingRedis)
{
    /// <summary>How often markers in several hash slots of a Redis Cluster are looked at, where one BZPOPMIN cannot span them.</summary>
    public static readonly TimeSpan ClusterPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The wake-up keys this worker took a marker from: one at most, or none if no marker came within <paramref name="block"/>.</summary>
    public async Task<IReadOnlySet<string>> WaitAsync(IReadOnlyList<RedisKey> wakeKeys, TimeSpan block)
    {
        // On a Redis Cluster one command only reaches keys of one slot. Markers in several slots (queues on several
        // shards) are taken without blocking, every ClusterPollInterval: a blocked call per slot would queue behind
        // another on the same node's connection.
        if (wakeKeys.Select(k => blockingRedis.HashSlot(k)).Distinct().Count() == 1)
        {
            return await PopBlockingAsync(wakeKeys, block);
        }

        var until = DateTime.UtcNow + block;
        while (true)
        {
            var popped = await Task.WhenAll(wakeKeys.Select(async key =>
                (Key: key.ToString(), Popped: (await blockingRedis.GetDatabase().SortedSetPopAsync(key)).HasValue)));
            var woken = popped.Where(p => p.Popped).Select(p => p.Key).ToHashSet();
            if (woken.Count > 0 || DateTime.UtcNow >= until)
            {
                return woken;
            }

            await Task.Delay(ClusterPollInterval);
        }
    }

    /// <summary>
    /// Waits on one queue's marker and takes from that queue in the same round trip: <paramref name="take"/> is written
    /// on this connection right behind the BZPOPMIN, and Redis reads a blocked client's next command only once its
    /// block ends, so it runs the take the moment the marker is popped (or the block times out, which then asks the
    /// queue as a quiet block should). A take sent after the wake-up's reply would cost every job an idle worker
    /// starts a round trip more. A pop that fails alone (the take behind it did not) leaves what the take claimed to
    /// the recoverer; both share a connection, so a lost connection fails both.
    /// </summary>
    public async Task<QueueTake> WaitThenTakeAsync(RedisKey wakeKey, TimeSpan block, Func<IDatabaseAsync, Task<QueueTake>> take)
    {
        var connection = blockingRedis.GetDatabase();
        var pop = connection.ExecuteAsync("BZPOPMIN", wakeKey, Seconds(block));
        var taken = take(connection);
        await Task.WhenAll(pop, taken);
        return taken.Result;
    }

    private async Task<IReadOnlySet<string>> PopBlockingAsync(IReadOnlyList<RedisKey> wakeKeys, TimeSpan block)
    {
        var reply = await blockingRedis.GetDatabase().ExecuteAsync("BZPOPMIN", [.. wakeKeys.Select(k => (object)k), Seconds(block)]);
        // [key, member, score], or nil when the time ran out.
        return reply.IsNull ? new HashSet<string>() : new HashSet<string> { ((RedisResult[])reply!)[0].ToString()! };
    }

    private static string Seconds(TimeSpan block) => Math.Max(0.001, block.TotalSeconds).ToString("0.###", CultureInfo.InvariantCulture);
}
