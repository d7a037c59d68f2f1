using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Keeps Redis memory flat over a long run: finished jobs expire by TTL (set when they end); this trims what
/// a TTL cannot reach: dead letters past their retention, index entries of expired jobs, and the consumers of
/// workers that are gone (only once their pending entries were reclaimed).
/// </summary>
internal sealed class QueueJanitor(WorkerQueues queues, IOptions<WorkerOptions> options, ILogger<QueueJanitor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var cursors = queues.All.ToDictionary(q => q, _ => 0L);
        using var timer = new PeriodicTimer(options.Value.JanitorInterval);
        while (await timer.TickAsync(stoppingToken))
        {
            try
            {
                foreach (var queue in queues.All)
                {
                    var (indexEntries, consumers, next) = await queue.Maintenance.CleanUpAsync(options.Value.ConsumerIdleLimit, cursors[queue]);
                    cursors[queue] = next;
                    if (indexEntries + consumers > 0)
                    {
                        logger.LogInformation("Janitor removed {IndexEntries} expired job(s) from the index of queue {Queue} and {Consumers} departed consumer(s)",
                            indexEntries, queue.Name, consumers);
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Cleaning up the queue failed; will retry");
            }
        }
    }
}
