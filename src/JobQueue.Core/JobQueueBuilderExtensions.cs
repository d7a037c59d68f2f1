using JobQueue;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class JobQueueBuilderExtensions
{
    /// <summary>
    /// Connects to the queue's Redis (connection string <c>ConnectionStrings:{connectionName}</c>, as Aspire
    /// injects it), binds and validates <see cref="QueueOptions"/>, and registers <see cref="QueueDirectory"/>, <see cref="JobStore"/>,
    /// <see cref="QueueInspector"/>, <see cref="QueueControls"/>, <see cref="ScheduleStore"/>, a Redis health check and the product's telemetry sources.
    /// Calling it again does nothing.
    /// </summary>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(RedisConnectionString)))
        {
            return builder;
        }

        var connectionString = builder.Configuration.GetConnectionString(connectionName)
            ?? throw new InvalidOperationException(
                $"Connection string '{connectionName}' is missing: set ConnectionStrings__{connectionName} (the AppHost does).");
        builder.Services.AddSingleton(new RedisConnectionString(connectionString));

        builder.Services.AddOptions<QueueOptions>()
            .BindConfiguration(QueueOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<JobPayloadJsonOptions>();

        builder.Services.AddSingleton<IConnectionMultiplexer>(_ =>
            RedisConnections.Connect(connectionString, builder.Environment.ApplicationName));
        builder.Services.AddSingleton<QueueDirectory>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<QueueInspector>();
        builder.Services.AddSingleton<QueueControls>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<ScheduleStore>();

        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis", tags: ["ready"]);
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(JobQueueTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(JobQueueTelemetry.Name));
        return builder;
    }
}
