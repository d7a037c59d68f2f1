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

    private static async Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var (document, problem) = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken);
        if (problem is not null)
        {
            return problem;
        }

        using (document)
        {
            var (submission, invalid) = JobSubmission.Parse(document!.RootElement);
            if (invalid is not null)
            {
                return invalid;
            }

            var job = await store.EnqueueAsync(submission!.Type, submission.PayloadJson);
            return ApiResults.Accepted(request.HttpContext.Response, $"/jobs/{job.Id}", new JobAccepted(job.Id), ApiJsonContext.Default.JobAccepted);
        }
    }

    private static async Task<IResult> GetAsync(string id, JobStore store)
    {
        if (!Guid.TryParseExact(id, "D", out var guid))
        {
            return Problems.InvalidJobId(id);
        }

        var job = await store.GetAsync(guid.ToString("D"));
        return job is null
            ? Problems.NotFound($"There is no job {guid:D} (it never existed, or it expired).")
            : ApiResults.Ok(JobView.From(job), ApiJsonContext.Default.JobView);
    }
}
