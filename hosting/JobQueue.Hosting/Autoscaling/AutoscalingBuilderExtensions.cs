using JobQueue.Hosting.Kubernetes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting.Autoscaling;

/// <summary>Sizes worker pools on their queues' demand, in the AppHost while it runs and as KEDA ScaledObjects when published.</summary>
public static class AutoscalingBuilderExtensions
{
    /// <summary>
    /// Scales the pool between <paramref name="minReplicas"/> (0: scale to zero) and <paramref name="maxReplicas"/> on its
    /// <paramref name="queue"/>'s demand (see <see cref="AutoscalingPolicy"/>) instead of a fixed replica count:
    /// <c>.WithAutoscaling(emails, minReplicas: 0, maxReplicas: 8, jobsPerReplica: 100)</c>; it references the queue. The pool gets
    /// <c>WithReplicas(maxReplicas)</c> and <c>WithExplicitStart()</c>: its replicas show in Aspire's dashboard, those not
    /// running as NotStarted or Exited, and the AppHost's <see cref="PoolAutoscaler"/> (a hosted service, run mode only)
    /// starts and stops them with Aspire's <c>resource-start</c> and <c>resource-stop</c> commands (SIGTERM: running jobs
    /// finish). What it decides is kept in the AppHost's <see cref="AutoscalerLog"/> service. Published
    /// (<see cref="KubernetesPublishingExtensions.AddKubernetesPublishing"/>), the pool gets a KEDA ScaledObject with the
    /// same bounds and targets (<see cref="KedaScaledObject"/>).
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAutoscaling(
        this IResourceBuilder<ProjectResource> pool, IResourceBuilder<JobQueueResource> queue, int minReplicas, int maxReplicas, int jobsPerReplica,
        Func<AutoscalingPolicy, AutoscalingPolicy>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(queue);
        var redis = pool.ApplicationBuilder.CreateResourceBuilder(queue.Resource.Parent);
        return pool.WithReference(queue).WithAutoscaling(redis, minReplicas, maxReplicas, jobsPerReplica,
            policy => (configure ?? (p => p))(policy with { Queues = [queue.Resource.QueueName] }));
    }

    /// <summary>
    /// Scales the pool between <paramref name="minReplicas"/> (0: scale to zero) and <paramref name="maxReplicas"/> on its
    /// queues' demand in <paramref name="redis"/> (see <see cref="AutoscalingPolicy"/>) instead of a fixed replica count:
    /// <c>.WithAutoscaling(redis, minReplicas: 0, maxReplicas: 8, jobsPerReplica: 100)</c>, the default queue unless
    /// <paramref name="configure"/> names the queues.
    /// </summary>
    public static IResourceBuilder<ProjectResource> WithAutoscaling(
        this IResourceBuilder<ProjectResource> pool, IResourceBuilder<IResourceWithConnectionString> redis, int minReplicas, int maxReplicas, int jobsPerReplica,
        Func<AutoscalingPolicy, AutoscalingPolicy>? configure = null)
    {
        var policy = (configure ?? (p => p))(new AutoscalingPolicy(minReplicas, maxReplicas, jobsPerReplica)).Validate();
        if (policy.Queues.Count == 0)
        {
            policy = policy with { Queues = [QueueOptions.From(pool.ApplicationBuilder.Configuration).Name] };
        }

        pool.WithReplicas(policy.MaxReplicas)
            .WithExplicitStart()
            .WithKubernetesManifest(manifests => KedaScaledObject.Add(manifests, policy));
        var services = pool.ApplicationBuilder.Services;
        services.AddSingleton(new ScaledPool(pool.Resource, redis.Resource, policy));
        services.TryAddSingleton<AutoscalerLog>();
        if (pool.ApplicationBuilder.ExecutionContext.IsRunMode)
        {
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PoolAutoscaler>());
        }

        return pool;
    }
}
