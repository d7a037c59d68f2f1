using JobQueue.Tests.Infrastructure;
using StackExchange.Redis;

namespace JobQueue.Tests.Hosting;

/// <summary>
/// JobQueue.Hosting.RedisServer on real Aspire (Aspire.Hosting.Testing): a tiny AppHost with one <c>AddRedisServer</c>,
/// run by DCP as a real <c>redis-server</c>.
/// </summary>
[TakesAbout(25)]
public sealed class RedisServerIntegrationTests : IAsyncLifetime
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);
    private readonly string _dataDirectory = Path.Combine(Path.GetTempPath(), "wt-aspire-redis-" + Guid.NewGuid().ToString("N"));

    /// <summary>One app for what a started server shows: each start of one costs DCP's processes as much as redis-server's.</summary>
    [Fact]
    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // file modes: the suite runs on Linux
    public async Task A_redis_server_resource_is_healthy_once_it_serves_with_AOF_in_its_data_directory_and_its_password_required_and_never_on_the_command_line()
    {
        await using var app = await StartAsync(redis => redis.WithAppendFsync("always"));

        var connectionString = await app.GetConnectionStringAsync("redis");
        await using (var redis = await ConnectionMultiplexer.ConnectAsync(connectionString + ",allowAdmin=true"))
        {
            var server = redis.GetServers()[0];
            Assert.Equal("yes", (await server.ConfigGetAsync("appendonly")).Single().Value);
            Assert.Equal("always", (await server.ConfigGetAsync("appendfsync")).Single().Value);
            Assert.Equal(_dataDirectory, (await server.ConfigGetAsync("dir")).Single().Value);
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(_dataDirectory, "redis.conf")));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_dataDirectory));
        }

        var options = ConfigurationOptions.Parse(connectionString!);
        var password = options.Password;
        Assert.False(string.IsNullOrEmpty(password));

        options.Password = null;
        options.AbortOnConnectFail = true;
        var refused = await Assert.ThrowsAsync<RedisConnectionException>(() => ConnectionMultiplexer.ConnectAsync(options));
        Assert.Contains("NOAUTH", refused.Message);

        var commandLines = Directory.EnumerateDirectories("/proc")
            .Select(directory => Path.Combine(directory, "cmdline"))
            .Select(path => { try { return File.ReadAllText(path); } catch (IOException) { return ""; } });
        var port = ((System.Net.DnsEndPoint)options.EndPoints[0]).Port;
        Assert.Contains(commandLines, line => line.StartsWith($"redis-server 127.0.0.1:{port}", StringComparison.Ordinal));
        Assert.DoesNotContain(commandLines, line => line.Contains(password!, StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_given_password_parameter_is_used_and_the_data_survives_a_restart_of_the_app()
    {
        await using (var first = await StartAsync(withPassword: "given-password-1"))
        {
            var connectionString = (await first.GetConnectionStringAsync("redis"))!;
            Assert.Contains("password=given-password-1", connectionString);
            await using var redis = await ConnectionMultiplexer.ConnectAsync(connectionString);
            await redis.GetDatabase().StringSetAsync("kept", "across restarts");
        }

        await using var second = await StartAsync(withPassword: "given-password-1");
        await using var restarted = await ConnectionMultiplexer.ConnectAsync((await second.GetConnectionStringAsync("redis"))!);
        Assert.Equal("across restarts", (string?)await restarted.GetDatabase().StringGetAsync("kept"));
    }

    [Fact]
    public void An_appendfsync_policy_redis_does_not_know_is_refused_when_the_app_is_described()
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var redis = builder.AddRedisServer("redis");

        var refused = Assert.Throws<ArgumentException>(() => redis.WithAppendFsync("sometimes"));

        Assert.Contains("always, everysec, no", refused.Message);
    }

    /// <summary>Starts an app of one redis-server on a free port and waits until its health check passes (what WaitFor waits for).</summary>
    private async Task<DistributedApplication> StartAsync(
        Action<IResourceBuilder<RedisServerResource>>? configure = null, string? withPassword = null)
    {
        var builder = DistributedApplicationTestingBuilder.Create();
        var password = withPassword is null ? null : builder.AddParameter("redis-password", withPassword, secret: true);
        var redis = builder.AddRedisServer("redis", LocalRedis.FreePort(), password).WithDataDirectory(_dataDirectory);
        configure?.Invoke(redis);
        var app = builder.Build();
        using var timeout = new CancellationTokenSource(Timeout);
        await app.StartAsync(timeout.Token);
        await app.ResourceNotifications.WaitForResourceHealthyAsync("redis", timeout.Token);
        return app;
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public Task DisposeAsync()
    {
        if (Directory.Exists(_dataDirectory))
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }

        return Task.CompletedTask;
    }
}
