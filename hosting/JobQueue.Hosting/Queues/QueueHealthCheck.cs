using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// A queue's health as an operator means it: Unhealthy while its Redis cannot be read; Degraded while its oldest waiting
/// job has waited longer than <see cref="QueueAlerts.OldestWait"/> or it holds more dead letters than
/// <see cref="QueueAlerts.DeadLetters"/>; otherwise Healthy. It reads the queue itself (a few bounded reads), so it
/// says how the queue is now, not at the monitor's last reading.
/// </summary>
internal sealed class QueueHealthCheck(JobQueueResource queue, QueueConnections connections) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        QueueFigures figures;
        try
        {
            figures = await QueueFigures.ReadAsync(await connections.GetAsync(queue.Parent, cancellationToken), queue.QueueName);
        }
        catch (Exception e)
        {
            return HealthCheckResult.Unhealthy($"Queue '{queue.QueueName}' cannot be read from '{queue.Parent.Name}': {e.Message}", e);
        }

        var alerts = queue.Alerts;
        if (figures.OldestWait > alerts.OldestWait)
        {
            return HealthCheckResult.Degraded(
                $"The oldest waiting job has waited {figures.OldestWait.TotalSeconds:0} s, over the alert of {alerts.OldestWait.TotalSeconds:0} s.");
        }

        if (figures.Stats.DeadLetters > alerts.DeadLetters)
        {
            return HealthCheckResult.Degraded($"{figures.Stats.DeadLetters} dead letters, over the alert of {alerts.DeadLetters}.");
        }

        return HealthCheckResult.Healthy($"{figures.Stats.Waiting} waiting, {figures.Stats.Pending} running, {figures.Stats.DeadLetters} dead letters.");
    }
}
