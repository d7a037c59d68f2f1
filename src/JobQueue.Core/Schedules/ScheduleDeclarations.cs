using JobQueue.Redis;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace JobQueue;

/// <summary>
/// Writes the schedules an app declares in code (<c>builder.AddJobSchedule(...)</c>) when it starts, retrying while
/// Redis is unreachable. Each is upserted, so every replica and every deploy may declare it: it exists once, and keeps
/// its next occurrence while its timetable stays the same.
/// </summary>
public sealed class ScheduleDeclarations(IEnumerable<ScheduleDefinition> declared, ScheduleStore schedules, ILogger<ScheduleDeclarations> logger)
    : BackgroundService
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        foreach (var definition in declared)
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    var (schedule, created) = await schedules.PutAsync(definition);
                    logger.LogInformation("{Action} schedule {Schedule} ({Cron}, {TimeZone}); next run {Next:o}",
                        created ? "Created" : "Declared", schedule.Name, definition.Cron, definition.TimeZone, schedule.NextRunAt);
                    break;
                }
                catch (Exception e) when (e is InvalidScheduleException or UnknownQueueException or UnknownJobTypeException)
                {
                    logger.LogError("Schedule {Schedule} is not kept: {Reason}", definition.Name, e.Message);
                    break;
                }
                catch (Exception e) when (e.IsRedisFailure())
                {
                    logger.LogWarning("Cannot declare schedule {Schedule} yet ({Reason}); retrying", definition.Name, e.Message);
                    await Task.Delay(RetryDelay, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
                }
            }
        }
    }
}
