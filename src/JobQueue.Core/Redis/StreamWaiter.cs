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
    /// <summary>The streams that have newer entries; empty if none came within <paramref name="block"/>.</summary>
    public async Task<IReadOnlySet<string>> WaitAsync(IReadOnlyList<(RedisKey Stream, string AfterId)> streams, TimeSpan block)
    {
        var reply = await blockingRedis.GetDatabase().ExecuteAsync("XREAD",
            ["COUNT", 1, "BLOCK", Math.Max(1, (long)block.TotalMilliseconds), "STREAMS",
                .. streams.Select(s => (object)s.Stream), .. streams.Select(s => (object)s.AfterId)]);
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
