using JobQueue;
using JobQueue.Redis;
using JobQueue.Worker;
using JobQueue.Worker.Handlers;
using JobQueue.Worker.Processing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

/// <summary>Registers job handlers on a worker: <c>builder.AddJobWorker().AddHandler&lt;MyHandler&gt;("my-type")</c>.</summary>
public sealed class JobWorkerBuilder(IServiceCollection services, JobHandlerTypes types)
{
    public JobWorkerBuilder AddHandler<THandler>(string type) where THandler : class, IJobHandler
    {
        types.Add(type);
        services.AddKeyedScoped<IJobHandler, THandler>(type);
        return this;
    }
}

public static class JobWorkerBuilderExtensions
{
    /// <summary>
    /// Adds the worker's components (after <c>AddJobQueue</c>): the processor reading new entries, the
    /// recoverer reclaiming stalled ones, the lease renewer, the dispatcher that runs them, the forwarder of
    /// scheduled jobs, the janitor, the cancellation listener and the queue-depth gauges.
    /// </summary>
    public static JobWorkerBuilder AddJobWorker(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        var services = builder.Services;
        services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = worker.Value.ShutdownTimeout + TimeSpan.FromSeconds(5));

        var types = new JobHandlerTypes();
        services.AddSingleton(types);
        services.AddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            var queue = sp.GetRequiredService<IOptions<QueueOptions>>().Value;
            // XREADGROUP BLOCK would stall every command queued behind it, so it gets a connection of its own.
            var blocking = RedisConnections.Connect(
                builder.Configuration.GetConnectionString(connectionName)!,
                builder.Environment.ApplicationName + "-reader",
                commandTimeout: worker.BlockTimeout + TimeSpan.FromSeconds(5));
            return new JobConsumer(
                sp.GetRequiredService<IConnectionMultiplexer>(),
                blocking,
                sp.GetRequiredService<QueueKeys>(),
                queue,
                worker.ConsumerName ?? $"{Environment.MachineName}-{Environment.ProcessId}");
        });
        services.AddSingleton<CompletionBatcher>();
        services.AddSingleton<JobExecutor>();
        services.AddSingleton<JobDispatcher>();

        // Hosted services stop in reverse order: the processor and recoverer stop fetching first, then the
        // dispatcher drains running jobs, and the renewer keeps their leases fresh until the very end.
        services.AddHostedService<LeaseRenewer>();
        services.AddHostedService(sp => sp.GetRequiredService<JobDispatcher>());
        services.AddHostedService<JobRecoverer>();
        services.AddHostedService<JobProcessor>();
        services.AddHostedService<QueueDepthReporter>();
        services.AddHostedService<CancellationListener>();
        services.AddHostedService<ScheduledJobForwarder>();
        services.AddHostedService<QueueJanitor>();
        return new JobWorkerBuilder(services, types);
    }
}
