using System.Diagnostics.Metrics;
using JobQueue.Redis;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Hosting.Autoscaling;

/// <summary>
/// Scales each <see cref="ScaledPool"/> to its queues' demand, as KEDA's redis-streams scaler with an HPA would: every
/// poll it reads the demand, starts replicas at once when more are recommended, and stops some (SIGTERM: their running
/// jobs finish) only when every recommendation of the stabilisation window is lower. A replica that dies is replaced at
/// the next poll. Before the first poll it makes scale-to-zero safe: each queue is registered (so the API accepts its
/// jobs) and has its consumer group, and while it runs it promotes due scheduled jobs itself, so a pool of zero workers
/// still sees them as demand. Decisions go to the log, to <see cref="AutoscalerLog"/> (the dashboard) and to the meter
/// <c>JobQueue.Hosting.Autoscaling</c>.
/// </summary>
internal sealed class PoolAutoscaler(
    IEnumerable<ScaledPool> pools,
    AutoscalerLog log,
    ResourceNotificationService notifications,
    ResourceCommandService commands,
    IConfiguration configuration,
    ILogger<PoolAutoscaler> logger) : BackgroundService
{
    private static readonly Meter Meter = new("JobQueue.Hosting.Autoscaling");
    private static readonly Counter<long> Decisions = Meter.CreateCounter<long>("jobqueue.autoscaler.decisions", description: "Changes of a pool's size");

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        log.Pools = [.. pools];
        Meter.CreateObservableGauge("jobqueue.autoscaler.replicas",
            () => log.Pools.Select(p => new Measurement<int>(Active(p).Count, new KeyValuePair<string, object?>("pool", p.Name))),
            description: "Replicas of each autoscaled pool running or starting");
        await Task.WhenAll(log.Pools.Select(pool => RunAsync(pool, stoppingToken)));
    }

    private async Task RunAsync(ScaledPool pool, CancellationToken stopping)
    {
        try
        {
            await notifications.WaitForResourceHealthyAsync(pool.Redis.Name, stopping);
            await using var redis = await RedisConnections.ConnectAsync(pool.Redis.ConnectionString, $"autoscaler-{pool.Name}");
            var options = new QueueOptions { Name = configuration["Queue:Name"] ?? new QueueOptions().Name };
            var queues = new QueueDirectory(redis, Options.Create(options));
            var names = pool.Policy.Queues;
            var demand = new QueueDemandReader(redis, queues);
            var recommendations = new Queue<(DateTimeOffset At, int Replicas)>();
            var prepared = false;
            using var timer = new PeriodicTimer(pool.Policy.PollingInterval);
            do
            {
                try
                {
                    if (!prepared)
                    {
                        await PrepareQueuesAsync(redis, queues, names, options);
                        prepared = true;
                    }

                    foreach (var name in names)
                    {
                        foreach (var keys in await queues.PartitionsAsync(name))
                        {
                            await new QueueMaintenance(redis, keys, options).PromoteDueAsync();
                        }
                    }

                    await ScaleAsync(pool, await demand.ReadAsync(names), recommendations);
                }
                catch (Exception e) when (RedisFailures.IsRedisFailure(e))
                {
                    logger.LogWarning("Autoscaler of {Pool} cannot read its queues: {Reason}", pool.Name, e.Message);
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    // The AppHost keeps running its resources; the next poll tries again.
                    logger.LogError(e, "Autoscaler of {Pool} failed a poll; will retry", pool.Name);
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>
    /// What scale-to-zero needs before the first worker: the queue known to the API, its consumer groups in place (of each
    /// partition a pool registered before; a queue not yet partitioned takes its jobs in partition 0 until a worker says more).
    /// </summary>
    private static async Task PrepareQueuesAsync(IConnectionMultiplexer redis, QueueDirectory queues, IReadOnlyList<string> names, QueueOptions options)
    {
        foreach (var name in names)
        {
            await queues.RegisterAsync(name);
            foreach (var keys in await queues.PartitionsAsync(name))
            {
                await new JobConsumer(redis, keys, options, "autoscaler").EnsureGroupAsync();
            }
        }
    }

    private async Task ScaleAsync(ScaledPool pool, QueueDemand demand, Queue<(DateTimeOffset At, int Replicas)> recommendations)
    {
        var now = DateTimeOffset.UtcNow;
        var active = Active(pool);
        var recommended = pool.Policy.Recommend(demand, active.Count);
        recommendations.Enqueue((now, recommended));
        while (recommendations.Peek().At < now - pool.Policy.ScaleDownStabilization)
        {
            recommendations.Dequeue();
        }

        // Up to the recommendation at once; down only to the highest recommendation of the window.
        var target = recommended >= active.Count ? recommended : Math.Min(active.Count, recommendations.Max(r => r.Replicas));
        log.Add(pool.Name, new ReplicaSample(now, active.Count, demand.Jobs));
        if (target == active.Count)
        {
            return;
        }

        var reason = target > active.Count
            ? $"{demand} needs {recommended} at {pool.Policy.JobsPerReplica} per replica"
            : $"{demand}: no recommendation above {target} for {pool.Policy.ScaleDownStabilization.TotalSeconds:0.#} s";
        log.Add(new ScalingDecision(now, pool.Name, active.Count, target, demand, reason));
        Decisions.Add(1, new KeyValuePair<string, object?>("pool", pool.Name), new KeyValuePair<string, object?>("direction", target > active.Count ? "up" : "down"));
        logger.LogInformation("Autoscaler: {Pool} from {From} to {To} replicas: {Reason}", pool.Name, active.Count, target, reason);
        if (target > active.Count)
        {
            var idle = notifications.GetReplicas(pool.Name).Where(r => !IsActive(r) && r.State != KnownResourceStates.Stopping).Take(target - active.Count);
            foreach (var replica in idle)
            {
                await commands.ExecuteCommandAsync(replica.ReplicaName, ResourceCommandService.Start);
            }
        }
        else
        {
            // The newest replicas go first; each drains its running jobs after SIGTERM (not awaited: a poll never waits on it).
            foreach (var replica in active.OrderByDescending(r => r.ReplicaName, StringComparer.Ordinal).Take(active.Count - target))
            {
                _ = commands.ExecuteCommandAsync(replica.ReplicaName, ResourceCommandService.Stop);
            }
        }
    }

    private List<ResourceSnapshot> Active(ScaledPool pool) => [.. notifications.GetReplicas(pool.Name).Where(IsActive)];

    private static bool IsActive(ResourceSnapshot replica) => replica.State is KnownResourceStates.Running or KnownResourceStates.Starting;
}
