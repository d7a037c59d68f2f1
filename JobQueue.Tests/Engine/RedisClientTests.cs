using JobQueue.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using StackExchange.Redis;

namespace JobQueue.Tests.Engine;

/// <summary>
/// How an app's JobQueue finds its Redis: through Aspire's Redis client and its configuration keys, or through the
/// connection the app registered itself; either way one connection serves the app and JobQueue, and the health check
/// answers for it.
/// </summary>
public sealed class RedisClientTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task An_app_that_registered_its_own_redis_client_shares_that_connection_and_needs_no_connection_string_of_ours()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration["ConnectionStrings:cache"] = redis.ConnectionString; // the app's name for it, not "redis"
        builder.AddRedisClient("cache");
        builder.AddJobQueue();
        using var app = builder.Build();
        await app.StartAsync();

        var job = (await app.Services.GetRequiredService<JobStore>().EnqueueAsync("echo", """{"x":1}""")).Job;

        Assert.Single(app.Services.GetServices<IConnectionMultiplexer>());
        Assert.Equal(JobStatus.Queued, (await app.Services.GetRequiredService<JobStore>().GetAsync(job.Id))!.Status);
        Assert.True(await redis.Redis.GetDatabase().KeyExistsAsync(new Redis.QueueKeys("jobs").Job(job.Id)));
        Assert.Equal(HealthStatus.Healthy, (await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);
        await app.StopAsync();
    }

    [Fact]
    public async Task Aspires_configuration_keys_reach_the_connection_and_a_plain_connection_string_still_works()
    {
        var aspire = Host.CreateApplicationBuilder();
        aspire.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Aspire:StackExchange:Redis:ConnectionString"] = redis.ConnectionString,
            ["Aspire:StackExchange:Redis:ConfigurationOptions:ClientName"] = "billing-api",
        });
        aspire.AddJobQueue();
        var plain = Host.CreateApplicationBuilder();
        plain.Configuration["ConnectionStrings:redis"] = redis.ConnectionString;
        plain.AddJobQueue();

        foreach (var (app, clientName) in new[] { (aspire.Build(), "billing-api"), (plain.Build(), plain.Environment.ApplicationName) })
        {
            using (app)
            {
                await app.StartAsync();
                var store = app.Services.GetRequiredService<JobStore>();
                var job = (await store.EnqueueAsync("echo", "{}")).Job;
                Assert.NotNull(await store.GetAsync(job.Id));

                await using var admin = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString + ",allowAdmin=true");
                var clients = await admin.GetServers()[0].ClientListAsync();
                Assert.Contains(clients, client => client.Name == clientName);
                Assert.Equal(HealthStatus.Healthy, (await app.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync()).Status);
                await app.StopAsync();
            }
        }
    }
}
