using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Periodically sweeps each queue's pending entries with XAUTOCLAIM and takes over those idle longer than
/// their lease (Queue:LeaseTimeout): their worker died or hung (live workers keep theirs fresh, see
/// <see cref="LeaseRenewer"/>). The claim script then enforces the attempt limit from the delivery count.
/// A paused queue is skipped: taking a stalled job over would start it again.
/// </summary>
internal sealed class JobRecoverer(
    WorkerQueues queues,
    ConcurrencySlots slots,
    JobDispatcher dispatcher,
    IOptions<QueueOptions> queueOptions,
    ILogger<JobRecoverer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var timeout = queueOptions.Value.LeaseTimeout;
        using var timer = new PeriodicTimer(timeout / 2);
        while (await timer.TickAsync(stoppingToken))
        {
            try
            {
                foreach (var queue in queues.All)
                {
                    if (!await queue.Consumer.IsPausedAsync())
                    {
                        await SweepAsync(queue.Consumer, timeout, stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Reclaiming stalled jobs failed; will retry");
            }
        }
    }

    private async Task SweepAsync(JobConsumer consumer, TimeSpan minIdle, CancellationToken stoppingToken)
    {
        var cursor = "0-0";
        do
        {
            using var lease = await slots.LeaseAsync(stoppingToken);
            var claimStarted = DateTimeOffset.UtcNow;
            (var entries, cursor, var deleted) = await consumer.ReclaimAsync(minIdle, cursor, lease.Count);
            if (deleted > 0)
            {
                logger.LogWarning("{Count} pending entries had been deleted from the stream; XAUTOCLAIM dropped them", deleted);
            }

            if (entries.Count > 0)
            {
                JobQueueTelemetry.JobsReclaimed.Add(entries.Count);
                logger.LogWarning("Reclaimed {Count} job(s) of queue {Queue} idle for over {Timeout}: {JobIds}",
                    entries.Count, consumer.Keys.Name, minIdle, string.Join(", ", entries.Select(e => e.JobId)));
            }

            dispatcher.Start(consumer, await consumer.ClaimReclaimedAsync(entries), claimStarted, lease);
        }
        while (cursor != "0-0");
    }
}
