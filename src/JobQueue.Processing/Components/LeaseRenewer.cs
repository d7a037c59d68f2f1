using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// The worker's heartbeat: every third of the lease (Queue:LeaseTimeout) it renews the entries it is running
/// (resetting their idle time; one script call per queue), so healthy long jobs are not reclaimed. An attempt it no longer holds
/// (another worker reclaimed it during a stall) is cancelled: its result would be refused anyway.
/// </summary>
internal sealed class LeaseRenewer(
    JobDispatcher dispatcher,
    IOptions<QueueOptions> queueOptions,
    ILogger<LeaseRenewer> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(queueOptions.Value.LeaseTimeout / 3);
        while (await timer.TickAsync(stoppingToken))
        {
            var running = dispatcher.Running;
            try
            {
                foreach (var ofQueue in running.GroupBy(r => r.Consumer))
                {
                    var lost = await ofQueue.Key.RenewAsync([.. ofQueue.Select(r => r.Job)]);
                    foreach (var job in ofQueue.Where(r => lost.Contains(r.Job.Token)))
                    {
                        logger.LogWarning("Job {JobId} attempt {Attempt} was taken over by another worker; cancelling it here",
                            job.Job.JobId, job.Job.Attempt);
                        job.Abandon("another worker took the job over");
                    }
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, $"Renewing {running.Count} running job(s) failed; will retry");
            }
        }
    }
}
