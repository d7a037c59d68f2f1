using JobQueue.Redis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobQueue.Dashboard.Pages;

/// <summary>
/// What the Workers page shows: the worker processes as they registered (pool, instance, host, process, started, last seen:
/// from Redis, whatever runs them), each queue's consumers and the jobs they hold, and the schedules.
/// </summary>
public sealed record WorkersPageModel(
    string DefaultQueue, IReadOnlyList<WorkerRegistration> Workers, IReadOnlyList<QueueConsumers> Queues, IReadOnlyList<Schedule> Schedules,
    DateTimeOffset Now, string? Error)
{
    /// <summary>Running entries read per queue: the page is bounded however busy the queue.</summary>
    public const int RunningShown = 200;

    internal static async Task<IResult> RenderAsync(HttpContext http, DashboardMount mount)
    {
        var services = http.RequestServices;
        var defaultQueue = services.GetRequiredService<IOptions<QueueOptions>>().Value.Name;
        WorkersPageModel model;
        try
        {
            var inspector = services.GetRequiredService<QueueInspector>();
            var queues = await Task.WhenAll((await inspector.AllStatsAsync()).Select(async stats =>
                new QueueConsumers(stats, await inspector.PendingAsync(RunningShown, stats.Name))));
            model = new(defaultQueue, await inspector.WorkersAsync(), queues, await services.GetRequiredService<ScheduleStore>().ListAsync(),
                DateTimeOffset.UtcNow, null);
        }
        catch (Exception e) when (RedisFailures.IsRedisFailure(e))
        {
            model = new(defaultQueue, [], [], [], DateTimeOffset.UtcNow, $"Redis is not answering: {e.Message}");
        }

        return DashboardPage.Render<WorkersPage>(http, mount, "workers", model);
    }
}

/// <summary>A queue's figures with the entries its consumers hold (oldest first).</summary>
public sealed record QueueConsumers(QueueStats Stats, IReadOnlyList<PendingEntry> Running);
