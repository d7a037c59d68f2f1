using StackExchange.Redis;

namespace JobQueue.Tests.Infrastructure;

/// <summary>A real redis-server of its own on a free port and a throwaway directory, started by the hosting layer.</summary>
public sealed class RedisServerFixture : IRedisFixture, IAsyncLifetime
{
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "jobqueue-redis-" + Guid.NewGuid().ToString("N"));
    private DistributedApplication? _app;

    public ConnectionMultiplexer Redis { get; private set; } = null!;

    /// <summary>What an app puts in <c>ConnectionStrings:redis</c> to reach this server.</summary>
    public string ConnectionString { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var builder = DistributedApplication.CreateBuilder(new DistributedApplicationOptions { RandomizePorts = true });
        var redis = builder.AddRedis("redis").WithDataDirectory(_dataDirectory);
        _app = builder.Build();
        await _app.StartAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
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
