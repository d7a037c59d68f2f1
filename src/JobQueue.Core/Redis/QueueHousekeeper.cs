using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace JobQueue.Redis;

/// <summary>
/// Runs <see cref="QueueHousekeeping"/> every <see cref="QueueOptions.HousekeepingInterval"/> in a process that opted in
/// (<c>AddQueueHousekeeping</c>). A round that fails (Redis unreachable) is tried again at the next.
/// </summary>
internal sealed class QueueHousekeeper(QueueHousekeeping housekeeping, IOptions<QueueOptions> options, ILogger<QueueHousekeeper> logger)
    : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.HousekeepingInterval);
        var failing = false;
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                try
                {
                    var (_, promoted, released) = await housekeeping.RunOnceAsync();
                    if (promoted + released > 0)
                    {
                        logger.LogDebug("Housekeeping enqueued {Promoted} scheduled job(s) that came due and released {Released} held back by their group's limit",
                            promoted, released);
                    }

                    failing = false;
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    // Once per outage, not every round: the next round tries again.
                    if (!failing)
                    {
                        logger.LogLoopFailure(e, "Queue housekeeping failed; retrying every round until it succeeds");
                    }

                    failing = true;
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
