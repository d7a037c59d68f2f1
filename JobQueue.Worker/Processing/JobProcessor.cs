using JobQueue.Redis;
using JobQueue.Worker.Handlers;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Worker.Processing;

/// <summary>
/// Takes new entries, as many as there are free slots: while entries are waiting, read and claimed in one
/// script call; when none are, with XREADGROUP ... BLOCK, then claimed. First it creates the group if needed
/// and registers this worker's job types. Survives Redis outages: it backs off and resumes by itself,
/// recreating the group if it vanished.
/// </summary>
public sealed class JobProcessor(
    JobConsumer consumer,
    JobDispatcher dispatcher,
    JobHandlerTypes handlerTypes,
    IOptions<WorkerOptions> options,
    ILogger<JobProcessor> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var backoff = new RetryBackoff();
        var groupReady = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!groupReady)
                {
                    await consumer.EnsureGroupAsync();
                    await consumer.RegisterTypesAsync(handlerTypes.Names);
                    groupReady = true;
                    logger.LogInformation("Worker {Consumer} reading jobs with concurrency {Concurrency}",
                        consumer.Name, options.Value.Concurrency);
                }

                var slots = await dispatcher.AcquireSlotsAsync(options.Value.Concurrency, stoppingToken);
                if (await dispatcher.ReadClaimAndStartAsync(slots))
                {
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
