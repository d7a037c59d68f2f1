using System.Collections.Immutable;
using Microsoft.Extensions.Logging;

namespace JobQueue.Hosting.Queues;

/// <summary>
/// Keeps a queue resource live in Aspire's dashboard while the AppHost runs: once its Redis serves, it makes the queue
/// ready (<see cref="QueueDirectory.PrepareAsync"/>), then every <see cref="RefreshInterval"/> reads the queue's figures
/// and publishes them as the resource's properties, its state Running or Paused. A reading that fails keeps the last
/// figures and says why once in the resource's log (the health check turns Unhealthy meanwhile).
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
                    await notifications.PublishUpdateAsync(queue, snapshot => snapshot with
                    {
                        State = figures.Stats.Paused
                            ? new ResourceStateSnapshot(PausedState, KnownResourceStateStyles.Warn)
                            : new ResourceStateSnapshot(KnownResourceStates.Running, KnownResourceStateStyles.Success),
                        StartTimeStamp = snapshot.StartTimeStamp ?? DateTime.UtcNow,
                        Urls = urls.Value,
                        Properties = snapshot.Properties.RemoveAll(QueueFigures.IsOwnProperty).AddRange(figures.ToProperties(queue.Parent.Name, rates)),
                    });
                    if (failing)
                    {
                        resourceLogger.LogInformation("Queue {Queue} is read again", queue.QueueName);
                        failing = false;
                    }
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
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

    private async Task<ImmutableArray<UrlSnapshot>> UrlsAsync(CancellationToken cancellationToken) =>
        queue.DashboardUrl is { } page && await page.GetValueAsync(cancellationToken) is { } url
            ? [new UrlSnapshot(Name: "queue-dashboard", url, IsInternal: false) { DisplayProperties = new("Queue dashboard", 0) }]
            : [];
}
