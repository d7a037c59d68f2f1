using JobQueue;
using JobQueue.Hosting.Queues;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;

namespace Aspire.Hosting;

/// <summary>
/// Adds JobQueue's queues to an Aspire application model: each a resource under its Redis, with its live figures, health
/// and commands in Aspire's dashboard, that projects reference to read or fill it.
/// </summary>
public static class JobQueueResourceBuilderExtensions
{
    /// <summary>
    /// Adds the queue <paramref name="queueName"/> (by default the resource's name) in <paramref name="redis"/>. When the
    /// Redis serves, the AppHost makes the queue ready (registered, with its consumer group: jobs may be sent to it before
    /// any worker ran), then shows it live: waiting, running, scheduled, dead letters, consumers, paused, oldest wait, done
    /// and failed per minute as its properties, Running or Paused as its state, a health check (see
    /// <see cref="QueueAlerts"/>) that <c>WaitFor(queue)</c> waits on, and the commands pause, resume, retry and purge dead
    /// letters and run a schedule now.
    /// </summary>
    /// <param name="builder">The <see cref="IDistributedApplicationBuilder"/>.</param>
    /// <param name="name">The resource's name.</param>
    /// <param name="redis">The Redis the queue lives in (<c>AddRedisServer</c>, or Aspire.Hosting.Redis's <c>AddRedis</c>).</param>
    /// <param name="queueName">The queue's name in Redis; the resource's name when null.</param>
    public static IResourceBuilder<JobQueueResource> AddJobQueue(
        this IDistributedApplicationBuilder builder,
        [ResourceName] string name,
        IResourceBuilder<IResourceWithConnectionString> redis,
        string? queueName = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(redis);
        queueName ??= name;
        if (!QueueName.IsValid(queueName))
        {
            throw new ArgumentException($"'{queueName}' is not a queue name: {QueueName.Rule}", nameof(queueName));
        }

        var queue = new JobQueueResource(name, queueName, redis.Resource);
        builder.Services.TryAddSingleton<QueueConnections>();
        builder.Services.AddHealthChecks().Add(new HealthCheckRegistration(queue.HealthCheckKey,
            services => new QueueHealthCheck(queue, services.GetRequiredService<QueueConnections>()), failureStatus: null, tags: null));

        return builder.AddResource(queue)
            .WithInitialState(new CustomResourceSnapshot
            {
                ResourceType = "JobQueue",
                State = KnownResourceStates.NotStarted,
                Properties = [new ResourcePropertySnapshot(CustomResourceKnownProperties.Source, $"{redis.Resource.Name}: {queueName}")],
            })
            .WithHealthCheck(queue.HealthCheckKey)
            .WithQueueCommands()
            .ExcludeFromManifest()
            .OnInitializeResource(async (resource, e, cancellationToken) =>
            {
                // A resource cannot WaitFor its parent: the queue waits for its Redis to serve here, then the monitor keeps
                // the resource live until the AppHost stops.
                await e.Notifications.PublishUpdateAsync(resource, s => s with { State = KnownResourceStates.Waiting });
                await e.Notifications.WaitForResourceHealthyAsync(resource.Parent.Name, cancellationToken);
                await e.Eventing.PublishAsync(new BeforeResourceStartedEvent(resource, e.Services), cancellationToken);
                var monitor = new QueueMonitor(resource, e.Services.GetRequiredService<QueueConnections>(), e.Notifications, e.Logger);
                _ = monitor.RunAsync(e.Services.GetRequiredService<IHostApplicationLifetime>().ApplicationStopping);
            });
    }

    /// <summary>The queue's health turns Degraded while it holds more than <paramref name="deadLetters"/> dead letters.</summary>
    public static IResourceBuilder<JobQueueResource> WithDeadLetterAlert(this IResourceBuilder<JobQueueResource> builder, long deadLetters)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(deadLetters);
        builder.Resource.Alerts = builder.Resource.Alerts with { DeadLetters = deadLetters };
        return builder;
    }

    /// <summary>The queue's health turns Degraded while its oldest waiting job has waited longer than <paramref name="oldestWait"/> (5 minutes unless set).</summary>
    public static IResourceBuilder<JobQueueResource> WithOldestWaitAlert(this IResourceBuilder<JobQueueResource> builder, TimeSpan oldestWait)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(oldestWait, TimeSpan.Zero);
        builder.Resource.Alerts = builder.Resource.Alerts with { OldestWait = oldestWait };
        return builder;
    }

    /// <summary>
    /// Links the queue to its page in the queue dashboard that <paramref name="app"/> mounts at <paramref name="path"/>
    /// (<c>MapJobQueueDashboard</c>), through the app's <c>http</c> endpoint.
    /// </summary>
    public static IResourceBuilder<JobQueueResource> WithQueueDashboard(
        this IResourceBuilder<JobQueueResource> builder, IResourceBuilder<IResourceWithEndpoints> app, string path = "/dashboard")
    {
        var endpoint = app.GetEndpoint("http");
        var page = $"/{path.Trim('/')}/queues/{Uri.EscapeDataString(builder.Resource.QueueName)}/jobs";
        // Published by the queue's monitor once the endpoint is allocated: a resource Aspire does not run publishes its own URLs.
        builder.Resource.DashboardUrl = ReferenceExpression.Create($"{endpoint}{page}");
        return builder;
    }

    /// <summary>
    /// Gives a project what it needs of the queue: the connection string of the queue's Redis under the Redis resource's
    /// name (what <c>AddJobQueue</c> and <c>AddJobWorker</c> read, <c>ConnectionStrings:{redis}</c>) and, for a worker,
    /// the queue among those it reads, with <paramref name="weight"/> (<c>Worker:Queues:{queue}</c>; an API ignores it).
    /// </summary>
    public static IResourceBuilder<TDestination> WithReference<TDestination>(
        this IResourceBuilder<TDestination> builder, IResourceBuilder<JobQueueResource> queue, int weight = 1)
        where TDestination : IResourceWithEnvironment
    {
        ArgumentNullException.ThrowIfNull(queue);
        ArgumentOutOfRangeException.ThrowIfLessThan(weight, 1);
        var redis = builder.ApplicationBuilder.CreateResourceBuilder(queue.Resource.Parent);
        return builder.WithReference(redis)
            .WithEnvironment($"Worker__Queues__{queue.Resource.QueueName}", weight.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
