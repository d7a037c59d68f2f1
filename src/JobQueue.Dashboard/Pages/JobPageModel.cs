using JobQueue.Redis;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace JobQueue.Dashboard.Pages;

/// <summary>
/// What a job's page shows, all of it from Redis: the job, its attempts (who ran each, when, how it ended: recorded by the
/// scripts that start and end them, so they outlive any trace), its workflow edges, its owner's other jobs, and its trace
/// id with a link into the deployment's trace viewer (<see cref="JobQueueDashboardOptions.TraceUrlTemplate"/>).
/// </summary>
public sealed record JobPageModel(
    string JobId, JobRecord? Job, IReadOnlyList<JobAttempt> Attempts, JobLinks Links, IReadOnlyList<OwnedJob> OwnerJobs,
    string? TraceId, string? TraceUrl, string? Error)
{
    private const int OwnerJobsShown = 10;

    internal static async Task<IResult> RenderAsync(HttpContext http, DashboardMount mount, string jobId)
    {
        var services = http.RequestServices;
        JobPageModel model;
        try
        {
            var jobs = services.GetRequiredService<JobStore>();
            var job = Guid.TryParseExact(jobId, "D", out var id) ? await jobs.GetAsync(id.ToString("D")) : null;
            if (job is null)
            {
                model = new(jobId, null, [], JobLinks.None, [], null, null, null);
            }
            else
            {
                var ownerJobs = job.Owner is { } owner
                    ? [.. (await jobs.LatestOwnerJobsAsync(owner, OwnerJobsShown + 1)).Where(j => j.JobId != job.Id).Reverse().Take(OwnerJobsShown)]
                    : Array.Empty<OwnedJob>();
                var traceId = await services.GetRequiredService<QueueInspector>().TraceIdOfAsync(job.Id);
                var traceUrl = services.GetRequiredService<IOptions<JobQueueDashboardOptions>>().Value.TraceUrl(traceId);
                model = new(jobId, job, await jobs.AttemptsAsync(job.Id), await jobs.LinksAsync(job), ownerJobs, traceId, traceUrl, null);
            }
        }
        catch (Exception e) when (RedisFailures.IsRedisFailure(e))
        {
            model = new(jobId, null, [], JobLinks.None, [], null, null, $"Redis is not answering: {e.Message}");
        }

        return DashboardPage.Render<JobPage>(http, mount, "jobs", model);
    }
}
