using JobQueue.Redis;
using JobQueue.Processing;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Takes new entries, as many as there are free slots: while a backlog lasts (the last take filled every free
/// slot), read and claimed in one script call; otherwise with XREADGROUP ... BLOCK, then claimed, so an idle
/// worker makes no extra call per job. First it creates the group if needed
/// and registers this worker's job types. Survives Redis outages: it backs off and resumes by itself,
/// recreating the group if it vanished.
/// </summary>
public sealed class JobProcessor(
    JobConsumer consumer,
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

                var slots = await dispatcher.AcquireSlotsAsync(options.Value.Concurrency, stoppingToken);
                if (backlog && await dispatcher.ReadClaimAndStartAsync(slots) is var taken and > 0)
                {
                    backlog = taken == slots;
                    backoff.Reset();
                    continue;
                }

                IReadOnlyList<DeliveredEntry> entries;
                try
                {
                    entries = await consumer.ReadAsync(slots, options.Value.BlockTimeout);
                }
                catch
                {
                    dispatcher.ReleaseSlots(slots);
                    throw;
                }

                backlog = entries.Count == slots;
                await dispatcher.ClaimAndStartAsync(entries, slots);
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
