using JobQueue.Redis;

namespace JobQueue.Processing.Components;

/// <summary>
/// Fires the cron schedules (<see cref="ScheduleStore"/>): every worker runs it, and each occurrence still enqueues
/// one job (its idempotency key is the occurrence). It sleeps until the next schedule is due, at most
/// <see cref="MaxSleep"/>, and wakes at once when a schedule is written or resumed anywhere
/// (<see cref="ScheduleStore.WatchChangesAsync"/>), so a new schedule's first job starts on time too, without the
/// workers asking Redis in a tight loop.
/// </summary>
internal sealed class ScheduleFirer(ScheduleStore schedules, ILogger<ScheduleFirer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1), MinSleep = TimeSpan.FromMilliseconds(5);

    private readonly SemaphoreSlim _changed = new(0, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var watching = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxSleep;
            try
            {
                if (!watching)
                {
                    // Once subscribed, the Redis client subscribes again by itself after a reconnect.
                    await schedules.WatchChangesAsync(Wake);
                    watching = true;
                }

                var pass = await schedules.FireDueAsync();
                if (pass.Enqueued > 0)
                {
                    logger.LogDebug("Enqueued {Count} job(s) of schedules that came due", pass.Enqueued);
                }

                if (pass.NextDue is { } due)
                {
                    // Both times are Redis's: a clock of this machine's that runs fast or slow changes nothing.
                    sleep = TimeSpan.FromTicks(Math.Clamp((due - pass.At).Ticks, MinSleep.Ticks, MaxSleep.Ticks));
                }
            }
            catch (Exception e) when (!stoppingToken.IsCancellationRequested)
            {
                logger.LogLoopFailure(e, "Firing due schedules failed; will retry");
            }

            try
            {
                await _changed.WaitAsync(sleep, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Wake()
    {
        try
        {
            _changed.Release();
        }
        catch (SemaphoreFullException)
        {
            // Already woken: one look covers every change since.
        }
    }

    public override void Dispose()
    {
        _changed.Dispose();
        base.Dispose();
    }
}
