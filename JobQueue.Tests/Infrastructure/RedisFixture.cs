using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A real Redis of a test class's own, started by the hosting layer on free ports and a throwaway directory: one
/// redis-server (<see cref="RedisServerFixture"/>) or a cluster (<see cref="RedisClusterFixture"/>).
/// </summary>
public abstract class RedisFixture : IRedisFixture, IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-redis-" + Guid.NewGuid().ToString("N"));
    private DistributedApplication? _app;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    /// <summary>Adds the Redis resource, named "redis", keeping its data in <paramref name="dataDirectory"/>.</summary>
    protected abstract IResourceBuilder<IResourceWithConnectionString> AddRedis(IDistributedApplicationBuilder builder, string dataDirectory);

    public async Task InitializeAsync()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RandomizePorts = true, EchoResourceOutput = false });
        var redis = AddRedis(builder, _dataDirectory);
        _app = builder.Build();
        await _app.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        ConnectionString = redis.Resource.ConnectionString;
        Redis = await ConnectionMultiplexer.ConnectAsync(ConnectionString);
    }

    public async Task DisposeAsync()
    {
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }

        if (_app is not null)
        {
            await _app.DisposeAsync();
        }

        Directory.Delete(_dataDirectory, recursive: true);
    }
}

/// <summary>One real redis-server.</summary>
public sealed class RedisServerFixture : RedisFixture
{
    protected override IResourceBuilder<IResourceWithConnectionString> AddRedis(IDistributedApplicationBuilder builder, string dataDirectory) =>
        builder.AddRedis("redis").WithDataDirectory(dataDirectory);
}

/// <summary>A real local Redis Cluster: 3 masters with a replica each (6 redis-server processes in cluster mode), formed by <c>AddRedisCluster</c>.</summary>
public sealed class RedisClusterFixture : RedisFixture
{
    protected override IResourceBuilder<IResourceWithConnectionString> AddRedis(IDistributedApplicationBuilder builder, string dataDirectory) =>
        builder.AddRedisCluster("redis", masters: 3, replicasPerMaster: 1).WithDataDirectory(dataDirectory);
}
