using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace JobQueue.Hosting.Autoscaling;

public static class AutoscalingBuilderExtensions
{
    /// <summary>
    /// Scales the pool between <paramref name="minReplicas"/> (0: scale to zero) and <paramref name="maxReplicas"/> on its
    /// queues' demand in <paramref name="redis"/> (see <see cref="AutoscalingPolicy"/>) instead of a fixed replica count:
    /// <c>.WithAutoscaling(redis, minReplicas: 0, maxReplicas: 8, jobsPerReplica: 100)</c>. Replicas are named as with
    /// <c>WithReplicas(maxReplicas)</c>; those not running show as NotStarted. Published, the pool gets a KEDA ScaledObject
    /// with the same bounds and targets (<see cref="KedaScaledObject"/>).
    /// </summary>
    public static IResourceBuilder<T> WithAutoscaling<T>(
        this IResourceBuilder<T> pool, IResourceBuilder<IResourceWithConnectionString> redis, int minReplicas, int maxReplicas, int jobsPerReplica,
        Func<AutoscalingPolicy, AutoscalingPolicy>? configure = null)
        where T : ExecutableResource
    {
        var policy = (configure ?? (p => p))(new AutoscalingPolicy(minReplicas, maxReplicas, jobsPerReplica)).Validate();
        if (policy.Queues.Count == 0)
        {
            policy = policy with { Queues = [pool.ApplicationBuilder.Configuration["Queue:Name"] ?? new QueueOptions().Name] };
        }

        pool.Resource.Replicas = policy.MaxReplicas;
        pool.Resource.InitialReplicas = policy.MinReplicas;
        pool.Resource.ManifestCallbacks.Add(manifests => KedaScaledObject.Add(manifests, policy));
        var services = pool.ApplicationBuilder.Services;
        services.AddSingleton(new ScaledPool(pool.Resource, redis.Resource, policy));
        services.TryAddSingleton<AutoscalerLog>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IHostedService, PoolAutoscaler>());
        return pool;
    }
}
