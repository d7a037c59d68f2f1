namespace JobQueue.Hosting.Autoscaling;

/// <summary>A worker pool the AppHost scales: its resource, the Redis its queues live in, and its policy.</summary>
public sealed record ScaledPool(ProjectResource Resource, IResourceWithConnectionString Redis, AutoscalingPolicy Policy)
{
    /// <summary>The pool's resource name.</summary>
    public string Name => Resource.Name;
}
