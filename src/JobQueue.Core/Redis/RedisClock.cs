using StackExchange.Redis;

namespace JobQueue.Redis;

/// <summary>Redis's clock: the one every JobQueue process shares (scripts stamp every change with it).</summary>
internal static class RedisClock
{
    /// <summary>Redis's time now (<c>TIME</c>), to the millisecond.</summary>
    public static async Task<DateTimeOffset> NowAsync(this IDatabase db)
    {
        var time = (RedisResult[])(await db.ExecuteAsync("TIME"))!;
        return DateTimeOffset.FromUnixTimeMilliseconds((long)time[0] * 1000 + (long)time[1] / 1000);
    }
}
