using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// A queue's health as an operator means it: Unhealthy while its Redis cannot be read; Degraded while its oldest waiting
/// job has waited longer than <see cref="QueueAlerts.OldestWait"/> or it holds more dead letters than
/// <see cref="QueueAlerts.DeadLetters"/>; otherwise Healthy. One rule for both readers of it: the health check Aspire
/// runs (<see cref="QueueHealthCheck"/>) and the monitor's reading every two seconds (<see cref="QueueMonitor"/>).
/// </summary>
internal static class QueueHealth
{
    public static HealthCheckResult Of(JobQueueResource queue, QueueFigures figures)
    {
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

    public static HealthCheckResult Unreadable(JobQueueResource queue, Exception e) =>
        HealthCheckResult.Unhealthy($"Queue '{queue.QueueName}' cannot be read from '{queue.Parent.Name}': {e.Message}", e);
}
