using StackExchange.Redis;

namespace JobQueue.Redis;

public static class RedisFailures
{
    /// <summary>
    /// A failure talking to Redis that a later try may not have: a lost connection, a server error, or a
    /// timeout (which StackExchange.Redis raises as a <see cref="TimeoutException"/>, not a <see cref="RedisException"/>).
    /// </summary>
    public static bool IsRedisFailure(this Exception e) => e is RedisException or RedisTimeoutException;
}
