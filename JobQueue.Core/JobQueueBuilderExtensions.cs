using JobQueue;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class JobQueueBuilderExtensions
{
    /// <summary>
    /// Connects to the queue's Redis (connection string <c>ConnectionStrings:{connectionName}</c>, as Aspire
    /// injects it), binds and validates <see cref="QueueOptions"/>, and registers the store, a Redis health
    /// check and the product's telemetry sources.
    /// </summary>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} (the AppHost does).");

        builder.Services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
            RedisConnections.Connect(connectionString, builder.Environment.ApplicationName));
        builder.Services.AddSingleton(sp => new QueueKeys(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueOptions>>().Value.Name));
        builder.Services.AddSingleton<JobStore>();

        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(JobQueueTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(JobQueueTelemetry.Name));
        return builder;
    }
}
