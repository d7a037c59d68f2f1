using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// The fetch loop: leases the free slots, takes as many new entries, claims them and starts their jobs. While a
/// backlog lasts (the last take filled every slot) it reads and claims in one script call; otherwise it blocks
/// on XREADGROUP, so an idle worker makes no extra call per job. First it creates the group if needed and
/// registers this worker's job types. Survives Redis outages: it backs off and resumes by itself, recreating
/// the group if it vanished.
/// </summary>
public sealed class JobProcessor(
    JobConsumer consumer,
    ConcurrencySlots slots,
    JobDispatcher dispatcher,
    JobHandlerRegistry handlers,
    IOptions<WorkerOptions> options,
    ILogger<JobProcessor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new RetryBackoff();
        var groupReady = false;
        var backlog = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await consumer.EnsureGroupAsync();
                    await consumer.RegisterTypesAsync(handlers.Types);
                    groupReady = true;
                    logger.LogInformation("Worker {Consumer} reading jobs with concurrency {Concurrency}",
                        consumer.Name, options.Value.Concurrency);
                }

                using var lease = await slots.LeaseAsync(stoppingToken);
                var claimStarted = DateTimeOffset.UtcNow;
                var claims = backlog ? await consumer.ReadAndClaimAsync(lease.Count) : [];
                if (claims.Count == 0)
                {
                    var entries = await consumer.ReadAsync(lease.Count, options.Value.BlockTimeout);
                    claimStarted = DateTimeOffset.UtcNow;
                    claims = await consumer.ClaimAsync(entries);
                }

                backlog = claims.Count == lease.Count;
                dispatcher.Start(claims, claimStarted, lease);
                backoff.Reset();
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (RedisServerException e) when (e.Message.StartsWith("NOGROUP", StringComparison.Ordinal))
            {
                logger.LogWarning("The stream or its consumer group is gone (Redis lost its data?); recreating it");
                groupReady = false;
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Reading jobs failed, backing off");
                await backoff.WaitAsync(stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }
}
