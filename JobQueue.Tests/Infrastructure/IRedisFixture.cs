using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>A real Redis the tests talk to: one redis-server (<see cref="RedisServerFixture"/>) or a cluster (<see cref="RedisClusterFixture"/>).</summary>
public interface IRedisFixture
{
    ConnectionMultiplexer Redis { get; }

    /// <summary>What an app puts in <c>ConnectionStrings:redis</c> to reach it.</summary>
    string ConnectionString { get; }
}
