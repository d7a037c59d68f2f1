using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// The queue's health check (<see cref="QueueHealth"/>), what <c>WaitFor(queue)</c> waits on. It reads the queue itself
/// (a few bounded reads), so it says how the queue is now, not at the monitor's last reading.
/// </summary>
internal sealed class QueueHealthCheck(JobQueueResource queue, QueueConnections connections) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            return QueueHealth.Of(queue, await QueueFigures.ReadAsync(await connections.GetAsync(queue.Parent, cancellationToken), queue.QueueName));
        }
        catch (Exception e)
        {
            return QueueHealth.Unreadable(queue, e);
        }
    }
}
