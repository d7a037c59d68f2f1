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
/// jobs finish) only when every recommendation of the stabilisation window is lower. Replicas are Aspire's: the pool has
/// <c>WithReplicas(max)</c> and <c>WithExplicitStart()</c>, their states come from <see cref="ResourceNotificationService"/>
/// and they start and stop through <see cref="ResourceCommandService"/> (<c>resource-start</c>, <c>resource-stop</c>). A replica that dies is replaced at
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

    private readonly ReplicaTracker _replicas = new();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        log.Pools = [.. pools];
        Meter.CreateObservableGauge("jobqueue.autoscaler.replicas",
            () => log.Pools.Select(p => new Measurement<int>(_replicas.Active(p.Resource).Count, new KeyValuePair<string, object?>("pool", p.Name))),
            description: "Replicas of each autoscaled pool running or starting");
        var watching = WatchAsync(stoppingToken);
        await Task.WhenAll(log.Pools.Select(pool => RunAsync(pool, stoppingToken)).Append(watching));
    }

    private async Task WatchAsync(CancellationToken stopping)
    {
        try
        {
            await _replicas.WatchAsync(notifications, stopping);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task RunAsync(ScaledPool pool, CancellationToken stopping)
    {
        try
        {
            await notifications.WaitForResourceHealthyAsync(pool.Redis.Name, stopping);
            var connectionString = await pool.Redis.GetConnectionStringAsync(stopping)
                ?? throw new InvalidOperationException($"{pool.Redis.Name} has no connection string.");
            await using var redis = await RedisConnections.ConnectAsync(connectionString, $"autoscaler-{pool.Name}");
            var options = QueueOptions.From(configuration);
            var queues = new QueueDirectory(redis, Options.Create(options));
            var names = pool.Policy.Queues;
            var demand = new QueueDemandReader(redis, queues);
            var housekeeping = new QueueHousekeeping(redis, queues, options);
            var recommendations = new Queue<(DateTimeOffset At, int Replicas)>();
            var prepared = false;
            using var timer = new PeriodicTimer(pool.Policy.PollingInterval);
            do
            {
                try
                {
                    if (!prepared)
                    {
                        // What scale-to-zero needs before the first worker: the queue known to the API, its groups in place.
                        foreach (var name in names)
                        {
                            await queues.PrepareAsync(name);
                        }

                        prepared = true;
                    }

                    // A pool at zero starts when its due jobs are in the stream: this process keeps them moving when
                    // no worker or API does (it takes part in the housekeeping lease each poll).
                    await housekeeping.RunOnceAsync();

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

    private Task ScaleAsync(ScaledPool pool, QueueDemand demand, Queue<(DateTimeOffset At, int Replicas)> recommendations)
    {
        var now = DateTimeOffset.UtcNow;
        var active = _replicas.Active(pool.Resource);
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
            return Task.CompletedTask;
        }

        var reason = target > active.Count
            ? $"{demand} needs {recommended} at {pool.Policy.JobsPerReplica} per replica"
            : $"{demand}: no recommendation above {target} for {pool.Policy.ScaleDownStabilization.TotalSeconds:0.#} s";
        log.Add(new ScalingDecision(now, pool.Name, active.Count, target, demand, reason));
        Decisions.Add(1, new KeyValuePair<string, object?>("pool", pool.Name), new KeyValuePair<string, object?>("direction", target > active.Count ? "up" : "down"));
        logger.LogInformation("Autoscaler: {Pool} from {From} to {To} replicas: {Reason}", pool.Name, active.Count, target, reason);
        if (target > active.Count)
        {
            foreach (var replica in _replicas.Idle(pool.Resource).Take(target - active.Count))
            {
                _replicas.Starting(replica.ResourceId);
                _ = CommandAsync(pool, replica.ResourceId, KnownResourceCommands.StartCommand);
            }
        }
        else
        {
            // The newest replicas go first; each drains its running jobs after SIGTERM (not awaited: a poll never waits on it).
            foreach (var replica in active.OrderByDescending(r => r.ResourceId, StringComparer.Ordinal).Take(active.Count - target))
            {
                _replicas.Stopping(replica.ResourceId);
                _ = CommandAsync(pool, replica.ResourceId, KnownResourceCommands.StopCommand);
            }
        }

        return Task.CompletedTask;
    }

    /// <summary>Runs one of Aspire's commands on a replica (never awaited by a poll: a start waits for the replica to start).</summary>
    private async Task CommandAsync(ScaledPool pool, string resourceId, string command)
    {
        try
        {
            var result = await commands.ExecuteCommandAsync(resourceId, command);
            if (!result.Success && !result.Canceled)
            {
                logger.LogWarning("Autoscaler of {Pool}: {Command} of {Replica} failed: {Reason}", pool.Name, command, resourceId, result.Message);
            }
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Autoscaler of {Pool}: {Command} of {Replica} failed", pool.Name, command, resourceId);
        }
    }
}
