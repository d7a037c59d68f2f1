using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Moves delayed jobs (and retries waiting out their back-off) into their queue's stream once they are due, and
/// jobs their group's limit held back once their group has room. Every worker runs it; the promote script moves each
/// job in the same step that removes it from the schedule, so a job is enqueued exactly once.
/// </summary>
public sealed class ScheduledJobForwarder(WorkerQueues queues, IOptions<WorkerOptions> options, ILogger<ScheduledJobForwarder> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.ForwarderInterval);
        while (await timer.TickAsync(stoppingToken))
        {
            try
            {
                foreach (var queue in queues.All)
                {
                    if (await queue.Maintenance.PromoteDueAsync() is > 0 and var moved)
                    {
                        logger.LogDebug("Enqueued {Count} scheduled job(s) of queue {Queue} that came due", moved, queue.Name);
                    }

                    if (await queue.Maintenance.ReleaseHeldAsync() is > 0 and var released)
                    {
                        logger.LogDebug("Released {Count} job(s) of queue {Queue} their group's limit held back", released, queue.Name);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Enqueuing due scheduled jobs failed; will retry");
            }
        }
    }
}
