using JobQueue.Api.Http;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

public static class JobEndpoints
{
    /// <summary><c>POST /jobs</c> enqueues a job; <c>GET /jobs/{id}</c> reports it.</summary>
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/jobs");
        jobs.MapPost("/", SubmitAsync);
        jobs.MapGet("/{id}", GetAsync);
        return routes;
    }

    private static Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, options.Value.MaxRequestBodyBytes, async body =>
        {
            var (submission, invalid) = JobSubmission.Parse(body);
            if (invalid is not null)
            {
                return invalid;
            }

            var job = await store.EnqueueAsync(submission!.Type, submission.PayloadJson);
            return ApiResults.Accepted(request.HttpContext.Response, $"/jobs/{job.Id}", new JobAccepted(job.Id), ApiJsonContext.Default.JobAccepted);
        }, cancellationToken);

    private static async Task<IResult> GetAsync(string id, JobStore store)
    {
        var (job, problem) = await JobLookup.FindAsync(store, id);
        return problem ?? ApiResults.Ok(JobView.From(job!), ApiJsonContext.Default.JobView);
    }
}
