using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>
/// A real local Redis Cluster of its own (3 masters, 1 replica each: 6 redis-server processes in cluster mode on free
/// ports), started and formed by the hosting layer's <c>AddRedisCluster</c>.
/// </summary>
public sealed class RedisClusterFixture : IRedisFixture, IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-cluster-" + Guid.NewGuid().ToString("N"));
    private DistributedApplication? _app;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    public string ConnectionString { get; private set; } = null!;

    public DistributedApplication App => _app!;

    public async Task InitializeAsync()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RandomizePorts = true, EchoResourceOutput = false });
        var cluster = builder.AddRedisCluster("redis", masters: 3, replicasPerMaster: 1).WithDataDirectory(_dataDirectory);
        _app = builder.Build();
        await _app.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await _app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        ConnectionString = cluster.Resource.ConnectionString;
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
