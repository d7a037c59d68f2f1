using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>How many times a Redis server has run commands, from INFO commandstats (commands scripts run included).</summary>
public static class RedisCommandCalls
{
    /// <summary>The calls of <paramref name="commands"/> (lower case, as commandstats names them: <c>evalsha</c>), summed.</summary>
    public static async Task<long> CountAsync(string connectionString, params string[] commands)
    {
        await using var admin = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true");
        var stats = (await admin.GetServers()[0].InfoAsync("commandstats")).SelectMany(g => g).ToDictionary(kv => kv.Key, kv => kv.Value);
        return commands.Sum(command =>
            stats.TryGetValue("cmdstat_" + command, out var value) ? long.Parse(value.Split(',')[0]["calls=".Length..]) : 0);
    }
}
