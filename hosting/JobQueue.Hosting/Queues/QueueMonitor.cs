using System.Collections.Immutable;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// Keeps a queue resource live in Aspire's dashboard while the AppHost runs: once its Redis serves, it makes the queue
/// ready (<see cref="QueueDirectory.PrepareAsync"/>), then every <see cref="RefreshInterval"/> reads the queue's figures
/// and publishes them as the resource's properties, its state Running or Paused, and the health they make
/// (<see cref="QueueHealth"/>) as its health check's report: Aspire re-runs the check of a healthy resource only every 30 s
/// or when its state changes, and an operator should see a backlog or a lost Redis within one reading. A reading that fails
/// keeps the last figures, reports the queue Unhealthy and says why once in the resource's log.
/// </summary>
internal sealed class QueueMonitor(
    JobQueueResource queue, QueueConnections connections, ResourceNotificationService notifications, ILogger resourceLogger)
{
    public static readonly TimeSpan RefreshInterval = TimeSpan.FromSeconds(2);

    public const string PausedState = "Paused";

    public async Task RunAsync(CancellationToken stopping)
    {
        var rates = new QueueRates();
        var (prepared, failing) = (false, false);
        ImmutableArray<UrlSnapshot>? urls = null;
        using var timer = new PeriodicTimer(RefreshInterval);
        try
        {
            do
            {
                try
                {
                    var operations = await connections.GetAsync(queue.Parent, stopping);
                    if (!prepared)
                    {
                        await operations.Directory.PrepareAsync(queue.QueueName);
                        prepared = true;
                    }

                    urls ??= await UrlsAsync(stopping);
                    var figures = await QueueFigures.ReadAsync(operations, queue.QueueName);
                    rates.Add(figures);
                    await notifications.PublishUpdateAsync(queue, snapshot => (snapshot with
                    {
                        State = figures.Stats.Paused
                            ? new ResourceStateSnapshot(PausedState, KnownResourceStateStyles.Warn)
                            : new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                        StartTimeStamp = snapshot.StartTimeStamp ?? DateTime.UtcNow,
                        Urls = urls.Value,
                        Properties = snapshot.Properties.RemoveAll(QueueFigures.IsOwnProperty).AddRange(figures.ToProperties(queue.Parent.Name, rates)),
                    }).WithHealthReports(WithReport(snapshot.HealthReports, QueueHealth.Of(queue, figures))));
                    if (failing)
                    {
                        resourceLogger.LogInformation("Queue {Queue} is read again", queue.QueueName);
                        failing = false;
                    }
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    await notifications.PublishUpdateAsync(queue, snapshot => snapshot.WithHealthReports(WithReport(snapshot.HealthReports, QueueHealth.Unreadable(queue, e))));
                    if (!failing)
                    {
                        resourceLogger.LogWarning("Queue {Queue} cannot be read: {Reason}", queue.QueueName, e.Message);
                        failing = true;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    /// <summary>The reports with the queue's health check's replaced by <paramref name="health"/>, the others as they were.</summary>
    private ImmutableArray<HealthReportSnapshot> WithReport(ImmutableArray<HealthReportSnapshot> reports, HealthCheckResult health) =>
        reports.RemoveAll(r => r.Name == queue.HealthCheckKey).Add(
            new HealthReportSnapshot(queue.HealthCheckKey, health.Status, health.Description, health.Exception?.ToString()) { LastRunAt = DateTime.UtcNow });

    private async Task<ImmutableArray<UrlSnapshot>> UrlsAsync(CancellationToken cancellationToken) =>
        queue.DashboardUrl is { } page && await page.GetValueAsync(cancellationToken) is { } url
            ? [new UrlSnapshot(Name: "queue-dashboard", url, IsInternal: false) { DisplayProperties = new("Queue dashboard", 0) }]
            : [];
}
