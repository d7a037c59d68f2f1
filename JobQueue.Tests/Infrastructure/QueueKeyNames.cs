using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// The names of every key of some queues (their partitions' too), sorted: what a test compares before and after a refused
/// request to say nothing was written. Every script writes only keys of its queue's hash tag, so these are the keys a
/// refused enqueue could have touched; counting the whole server would also count what other tests' jobs do meanwhile
/// (a retention that ends, a registry that forgets a worker). Two keys are left out: the wake-up key is a signal, not data,
/// and an idle worker's BZPOPMIN removes it whenever it takes the last wake-up; the housekeeping lease is a lock between
/// processes, set and left to expire as they run, whatever the requests do.
/// </summary>
public static class QueueKeyNames
{
    public static async Task<string[]> OfAsync(IConnectionMultiplexer redis, params string[] queues)
    {
        var names = new List<string>();
        foreach (var server in redis.GetServers().Where(s => !s.IsReplica))
        {
            foreach (var queue in queues)
            {
                foreach (var pattern in new[] { "{" + queue + "}:*", "{" + queue + "~*}:*" })
                {
                    await foreach (var key in server.KeysAsync(pattern: pattern))
                    {
                        if (!key.ToString().EndsWith(":wake", StringComparison.Ordinal) && !key.ToString().EndsWith(":housekeeping", StringComparison.Ordinal))
                        {
                            names.Add(key.ToString());
                        }
                    }
                }
            }
        }

        return [.. names.Distinct().Order(StringComparer.Ordinal)];
    }
}
