namespace Aspire.Hosting.ApplicationModel;

/// <summary>
/// A JobQueue queue in a Redis of the AppHost, as a resource of its own: shown under its Redis in Aspire's dashboard with
/// its live figures, health and commands. Its connection string is its Redis's, so a project that references it
/// connects as if it referenced the Redis.
/// </summary>
/// <param name="name">The resource's name.</param>
/// <param name="queueName">The queue's name in Redis (what jobs name in <c>queue</c> and workers read).</param>
/// <param name="redis">The Redis the queue lives in.</param>
public sealed class JobQueueResource(string name, string queueName, IResourceWithConnectionString redis)
    : Resource(name), IResourceWithConnectionString, IResourceWithParent<IResourceWithConnectionString>, IResourceWithWaitSupport
{
    /// <summary>The queue's name in Redis.</summary>
    public string QueueName { get; } = queueName;

    /// <summary>The Redis the queue lives in.</summary>
    public IResourceWithConnectionString Parent { get; } = redis;

    /// <summary>What turns the queue's health to Degraded (see <see cref="QueueAlerts"/>).</summary>
    public QueueAlerts Alerts { get; internal set; } = new();

    /// <summary>The name of the queue's health check, and of its report in the resource's snapshot.</summary>
    internal string HealthCheckKey => $"{Name}_check";

    /// <summary>The queue's page in an app's queue dashboard, if one mounts it (see <c>WithQueueDashboard</c>).</summary>
    public ReferenceExpression? DashboardUrl { get; internal set; }

    /// <inheritdoc />
    public ReferenceExpression ConnectionStringExpression => Parent.ConnectionStringExpression;
}
