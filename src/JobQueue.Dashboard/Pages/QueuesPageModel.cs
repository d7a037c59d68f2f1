using JobQueue.Redis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace JobQueue.Dashboard.Pages;

/// <summary>What the Queues page shows: every queue's figures and controls, and its samples over time.</summary>
public sealed record QueuesPageModel(IReadOnlyList<QueueStats> Queues, QueueHistory History, string? Error)
{
    internal static async Task<IResult> RenderAsync(HttpContext http, DashboardMount mount)
    {
        var history = http.RequestServices.GetRequiredService<QueueHistory>();
        QueuesPageModel model;
        try
        {
            model = new(await http.RequestServices.GetRequiredService<QueueInspector>().AllStatsAsync(), history, null);
        }
        catch (Exception e) when (RedisFailures.IsRedisFailure(e))
        {
            model = new([], history, $"Redis is not answering: {e.Message}");
        }

        return DashboardPage.Render<QueuesPage>(http, mount, "queues", model);
    }
}
