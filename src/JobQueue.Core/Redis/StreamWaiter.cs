using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>
/// Waits until any of several streams has an entry newer than the id given for it: one XREAD BLOCK over all of
/// them, outside any consumer group, so it takes nothing; the worker then takes entries with read_and_claim.lua,
/// from the queue its weights choose. Ids come from takes that found a queue drained, so an entry added since
/// wakes it at once. It holds a connection of its own: a blocking call would stall every command queued behind it.
/// </summary>
public sealed class StreamWaiter(IConnectionMultiplexer blockingRedis)
{
    /// <summary>How often streams in several hash slots of a Redis Cluster are asked, where one XREAD cannot span them.</summary>
    public static readonly TimeSpan ClusterPollInterval = TimeSpan.FromMilliseconds(50);

    /// <summary>The streams that have newer entries; empty if none came within <paramref name="block"/>.</summary>
    public async Task<IReadOnlySet<string>> WaitAsync(IReadOnlyList<(RedisKey Stream, string AfterId)> streams, TimeSpan block)
    {
        // On a Redis Cluster one command only reaches keys of one slot. Streams in several slots (queues on several
        // shards) are asked without blocking, each slot's at once, every ClusterPollInterval: a blocked call per slot
        // would queue behind another on the same node's connection.
        var slots = streams.GroupBy(s => blockingRedis.HashSlot(s.Stream)).ToList();
        if (slots.Count == 1)
        {
            return await ReadAsync(streams, block);
        }

        var until = DateTime.UtcNow + block;
        while (true)
        {
            var ready = (await Task.WhenAll(slots.Select(slot => ReadAsync([.. slot], null)))).SelectMany(s => s).ToHashSet();
            if (ready.Count > 0 || DateTime.UtcNow >= until)
            {
                return ready;
            }

            await Task.Delay(ClusterPollInterval);
        }
    }

    /// <summary>One XREAD over streams of one slot: blocking for <paramref name="block"/>, or not at all when null.</summary>
    private async Task<IReadOnlySet<string>> ReadAsync(IReadOnlyList<(RedisKey Stream, string AfterId)> streams, TimeSpan? block)
    {
        object[] blocking = block is { } wait ? ["BLOCK", Math.Max(1, (long)wait.TotalMilliseconds)] : [];
        var reply = await blockingRedis.GetDatabase().ExecuteAsync("XREAD",
            ["COUNT", 1, .. blocking, "STREAMS", .. streams.Select(s => (object)s.Stream), .. streams.Select(s => (object)s.AfterId)]);
        if (reply.IsNull)
        {
            return new HashSet<string>();
        }

        // RESP2: [[stream, entries], ...]; RESP3: a map {stream: entries, ...}.
        var parts = (RedisResult[])reply!;
        return reply.Resp3Type == ResultType.Map
            ? parts.Where((_, i) => i % 2 == 0).Select(p => p.ToString()!).ToHashSet()
            : parts.Select(p => ((RedisResult[])p!)[0].ToString()!).ToHashSet();
    }
}
