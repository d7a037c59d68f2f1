using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A real Redis of a test class's own (<see cref="LocalRedis"/>) on free ports and a throwaway directory: one
/// redis-server (<see cref="RedisServerFixture"/>) or a cluster (<see cref="RedisClusterFixture"/>).
/// </summary>
public abstract class RedisFixture : IRedisFixture, IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-redis-" + Guid.NewGuid().ToString("N"));
    private LocalRedis? _redis;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string ConnectionString => _redis!.ConnectionString;

    /// <summary>Starts the Redis, keeping its data in <paramref name="dataDirectory"/>.</summary>
    protected abstract Task<LocalRedis> StartAsync(string dataDirectory);

    public async Task InitializeAsync()
    {
        _redis = await StartAsync(_dataDirectory);
        Redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }

        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
    }
}

/// <summary>One real redis-server.</summary>
public sealed class RedisServerFixture : RedisFixture
{
    protected override Task<LocalRedis> StartAsync(string dataDirectory) => LocalRedis.StartServerAsync(dataDirectory);
}

/// <summary>A real local Redis Cluster: 3 masters with a replica each (6 redis-server processes in cluster mode).</summary>
public sealed class RedisClusterFixture : RedisFixture
{
    protected override Task<LocalRedis> StartAsync(string dataDirectory) => LocalRedis.StartClusterAsync(dataDirectory, masters: 3, replicasPerMaster: 1);
}
