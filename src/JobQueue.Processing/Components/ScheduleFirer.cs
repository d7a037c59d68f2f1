namespace JobQueue.Processing.Components;

/// <summary>
/// Fires the cron schedules (<see cref="ScheduleStore"/>): every worker runs it, and each occurrence still enqueues
/// one job (its idempotency key is the occurrence). It sleeps until the next schedule is due, but at most
/// <see cref="MaxSleep"/> (a schedule added or changed meanwhile is seen within that), so a job starts close to its
/// time without the workers asking Redis in a tight loop.
/// </summary>
public sealed class ScheduleFirer(ScheduleStore schedules, ILogger<ScheduleFirer> logger) : BackgroundService
{
    private static readonly TimeSpan MaxSleep = TimeSpan.FromSeconds(1), MinSleep = TimeSpan.FromMilliseconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            var sleep = MaxSleep;
            try
            {
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

            await Task.Delay(sleep, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }
}
