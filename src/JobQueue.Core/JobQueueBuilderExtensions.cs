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
    /// Reads and writes the queues through the app's Redis client: the <see cref="IConnectionMultiplexer"/> the app already
    /// registered (Aspire's <c>AddRedisClient</c> with settings of its own), else Aspire's Redis client for the connection
    /// string <c>ConnectionStrings:{connectionName}</c> (as an AppHost injects it, or as any app sets it), with its
    /// configuration keys (<c>Aspire:StackExchange:Redis</c>; its span per command is off unless <c>DisableTracing</c> is false). Adds a health check (PING), binds and validates
    /// <see cref="QueueOptions"/>, and registers <see cref="QueueDirectory"/>, <see cref="JobStore"/>,
    /// <see cref="QueueInspector"/>, <see cref="QueueControls"/>, <see cref="DeadLetters"/>, <see cref="ScheduleStore"/>
    /// and the product's telemetry sources. Calling it again does nothing.
    /// </summary>
    public static IHostApplicationBuilder AddJobQueue(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        if (builder.Services.Any(s => s.ServiceType == typeof(JobStore)))
        {
            return builder;
        }

        if (!builder.Services.Any(s => s.ServiceType == typeof(IConnectionMultiplexer)))
        {
            builder.AddRedisClient(connectionName,
                // Aspire's health check asks every node of a Redis Cluster for CLUSTER INFO, which StackExchange.Redis
                // refuses without admin mode: a PING through the app's own connection tells the same on both.
                configureSettings: settings =>
                {
                    settings.DisableHealthChecks = true;
                    // A span per Redis command is opt-in (Aspire:StackExchange:Redis:DisableTracing=false): a job's own
                    // spans (enqueue, claim, process, complete) tell its story, and the hot path runs several commands a job.
                    settings.DisableTracing = builder.Configuration.GetValue("Aspire:StackExchange:Redis:DisableTracing", defaultValue: true);
                },
                configureOptions: options => RedisConnections.Configure(options, builder.Environment.ApplicationName));
        }

        builder.Services.AddOptions<QueueOptions>()
            .Configure<IConfiguration>((options, configuration) => QueueOptions.Bind(configuration, options))
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddOptions<JobPayloadJsonOptions>();

        builder.Services.AddSingleton<QueueDirectory>();
        builder.Services.AddSingleton<JobStore>();
        builder.Services.AddSingleton<QueueInspector>();
        builder.Services.AddSingleton<QueueControls>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<ScheduleStore>();

        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        builder.Services.AddOpenTelemetry()
            .WithTracing(tracing => tracing.AddSource(JobQueueTelemetry.Name))
            .WithMetrics(metrics => metrics.AddMeter(JobQueueTelemetry.Name));
        return builder;
    }

    /// <summary>
    /// Opts this process into the queues' housekeeping (<see cref="QueueHousekeeping"/>): every
    /// <see cref="QueueOptions.HousekeepingInterval"/>, scheduled jobs that came due move into their stream and jobs their
    /// group's limit held back are released, in every queue, by whichever process that opted in holds the lease. A worker
    /// opts in (<c>AddJobWorker</c>); so does any process that must keep due jobs moving while no worker runs (an API in
    /// front of pools that scale to zero). Adds <see cref="AddJobQueue"/> if it was not; calling it again does nothing.
    /// </summary>
    public static IHostApplicationBuilder AddQueueHousekeeping(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        builder.AddJobQueue(connectionName);
        if (builder.Services.Any(s => s.ServiceType == typeof(QueueHousekeeping)))
        {
            return builder;
        }

        builder.Services.AddSingleton(sp => new QueueHousekeeping(sp.GetRequiredService<IConnectionMultiplexer>(),
            sp.GetRequiredService<QueueDirectory>(), sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<QueueOptions>>().Value));
        builder.Services.AddHostedService<QueueHousekeeper>();
        return builder;
    }
}
