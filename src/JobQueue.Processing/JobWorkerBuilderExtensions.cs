using JobQueue;
using JobQueue.Processing;
using JobQueue.Processing.Components;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Microsoft.Extensions.Hosting;

public static class JobWorkerBuilderExtensions
{
    /// <summary>
    /// Runs job handlers in this host (calls <c>AddQueueHousekeeping(connectionName)</c>, and so <c>AddJobQueue</c>, if the app has not), reading the
    /// queues of <see cref="WorkerOptions.Queues"/> (the default queue if none): the registrar naming this worker in its queues'
    /// registries, the processor taking new entries, the recoverer reclaiming stalled ones, the lease renewer, the dispatcher
    /// that runs them, the schedule firer, the janitor, the cancellation listener and the
    /// queue-depth gauges. Register handlers on the builder it returns.
    /// </summary>
    public static JobWorkerBuilder AddJobWorker(this IHostApplicationBuilder builder, string connectionName = "redis")
    {
        builder.AddQueueHousekeeping(connectionName);
        var services = builder.Services;
        var clientName = builder.Environment.ApplicationName;
        services.AddOptions<WorkerOptions>()
            .BindConfiguration(WorkerOptions.SectionName)
            .PostConfigure<IConfiguration>((worker, configuration) =>
            {
                if (string.IsNullOrWhiteSpace(worker.Pool))
                {
                    worker.Pool = configuration["OTEL_SERVICE_NAME"] is { Length: > 0 } service ? service : clientName;
                }
            })
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
            host.ShutdownTimeout = worker.Value.ShutdownTimeout + TimeSpan.FromSeconds(5));

        var registry = new JobHandlerRegistry();
        services.AddSingleton(registry);
        services.AddSingleton(sp =>
        {
            var (worker, queueOptions) = (sp.GetRequiredService<IOptions<WorkerOptions>>().Value, sp.GetRequiredService<IOptions<QueueOptions>>().Value);
            var (redis, directory) = (sp.GetRequiredService<IConnectionMultiplexer>(), sp.GetRequiredService<QueueDirectory>());
            var consumerName = worker.ConsumerName ?? $"{Environment.MachineName}-{Environment.ProcessId}";
            var weights = worker.Queues.Count > 0 ? worker.Queues : new Dictionary<string, int> { [queueOptions.Name] = 1 };
            return new WorkerQueues([.. weights.SelectMany(q =>
            {
                var partitions = worker.Partitions.GetValueOrDefault(q.Key, 1);
                return Enumerable.Range(0, partitions).Select(i =>
                {
                    var keys = directory.Keys(QueuePartitions.NameOf(directory.Keys(q.Key).Name, i));
                    return new WorkerQueue(new JobConsumer(redis, keys, queueOptions, consumerName, registry.MaxAttemptsByType),
                        new QueueMaintenance(redis, keys, queueOptions), q.Value, partitions);
                });
            })], worker.StrictPriority);
        });
        services.AddSingleton(sp =>
        {
            var worker = sp.GetRequiredService<IOptions<WorkerOptions>>().Value;
            return new WakeUpWaiter(RedisConnections.ConnectBeside(
                sp.GetRequiredService<IConnectionMultiplexer>(), clientName + "-reader", worker.BlockTimeout + TimeSpan.FromSeconds(5)));
        });
        services.AddSingleton<ConcurrencySlots>();
        services.AddSingleton<CompletionBatcher>();
        services.AddSingleton<JobExecutor>();
        services.AddSingleton<JobDispatcher>();

        // Hosted services stop in reverse order: the processor and recoverer stop fetching first, then the
        // dispatcher drains running jobs, and the renewer keeps their leases fresh until the very end. The registrar
        // starts first, so the worker is registered by the time it claims, and marks it stopped last.
        services.AddHostedService<WorkerRegistrar>();
        services.AddHostedService<LeaseRenewer>();
        services.AddHostedService(sp => sp.GetRequiredService<JobDispatcher>());
        services.AddHostedService<JobRecoverer>();
        services.AddHostedService<JobProcessor>();
        services.AddHostedService<QueueDepthReporter>();
        services.AddHostedService<CancellationListener>();
        services.AddHostedService<ScheduleFirer>();
        services.AddHostedService<QueueJanitor>();
        return new JobWorkerBuilder(services, registry);
    }
}
