using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

/// <summary>
/// What a queue needs before its pool's first worker, so a pool can start at zero: once at start, the queues of
/// <see cref="ApiOptions.Queues"/> and the default one are registered (this API accepts their jobs) and get their consumer
/// group (what KEDA's lag trigger reads). Tried every second while Redis does not answer. Their due jobs keep moving
/// meanwhile through the housekeeping the API opts into (<see cref="QueueHousekeeping"/>).
/// </summary>
internal sealed class DeclaredQueuesPreparer(QueueDirectory queues, IOptions<ApiOptions> options, ILogger<DeclaredQueuesPreparer> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryEvery = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                foreach (var name in options.Value.Queues.Prepend(queues.DefaultName).Distinct())
                {
                    await queues.PrepareAsync(name);
                }

                return;
            }
            catch (Exception e) when (RedisFailures.IsRedisFailure(e))
            {
                logger.LogDebug(e, "Preparing the declared queues waits for Redis to answer");
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The API keeps serving; the next try may succeed.
                logger.LogWarning(e, "Preparing the declared queues failed; will retry");
            }

            await Task.Delay(RetryEvery, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
