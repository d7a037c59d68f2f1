using JobQueue.Redis;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace JobQueue.Api.Jobs;

/// <summary>
/// What keeps a queue working while its pool has no worker (scaled to zero): at start, the queues of
/// <see cref="ApiOptions.Queues"/> are registered (so this API accepts their jobs) and get their consumer group (what
/// KEDA's lag trigger reads); then, every <see cref="Interval"/>, due scheduled jobs of every queue are moved into its
/// stream and jobs their group's limit held back are released, in every partition, as each worker's forwarder does. The scripts move each
/// job once however many API replicas and workers run them, so a due job becomes a stream entry a scaler sees.
/// </summary>
internal sealed class QueueForwarder(
    IConnectionMultiplexer redis, QueueDirectory queues, IOptions<QueueOptions> queueOptions, IOptions<ApiOptions> options, ILogger<QueueForwarder> logger)
    : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        var prepared = false;
        do
        {
            try
            {
                if (!prepared)
                {
                    await PrepareDeclaredQueuesAsync();
                    prepared = true;
                }

                foreach (var keys in await queues.AllPartitionsAsync())
                {
                    var maintenance = new QueueMaintenance(redis, keys, queueOptions.Value);
                    await maintenance.PromoteDueAsync();
                    await maintenance.ReleaseHeldAsync();
                }
            }
            catch (Exception e) when (RedisFailures.IsRedisFailure(e))
            {
                logger.LogDebug(e, "Forwarding due jobs skipped: Redis is not answering");
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                // The API keeps serving; the next tick tries again.
                logger.LogWarning(e, "Forwarding due jobs failed; will retry");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private async Task PrepareDeclaredQueuesAsync()
    {
        foreach (var name in options.Value.Queues.Prepend(queues.DefaultName).Distinct())
        {
            await queues.PrepareAsync(name);
        }
    }
}
