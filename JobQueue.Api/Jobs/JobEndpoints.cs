using System.Globalization;
using JobQueue.Api.Http;
using JobQueue.Redis;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Jobs;

public static class JobEndpoints
{
    private const string IdempotencyHeader = "Idempotency-Key";

    /// <summary>Submitting, reading, listing, canceling and retrying jobs.</summary>
    public static IEndpointRouteBuilder MapJobEndpoints(this IEndpointRouteBuilder routes)
    {
        var jobs = routes.MapGroup("/jobs").WithTags("Jobs");
        jobs.MapPost("/", SubmitAsync)
            .WithSummary("Submit a job")
            .WithDescription("Body: {\"payload\": any JSON, \"type\": \"echo\", \"queue\": \"emails\", \"group\": \"tenant-42\", \"owner\": \"user-1\", \"delay_ms\": n | \"run_at\": \"ISO 8601\", " +
                "\"max_attempts\": 1-25, \"backoff\": {\"type\": \"fixed\" | \"exponential\", \"delay_ms\": n, \"max_delay_ms\": n}, \"timeout_ms\": n, " +
                "\"depends_on\": [job id | {\"job\": id, \"on_failure\": \"fail\" | \"continue\" | \"cancel\"}]}. " +
                "With an Idempotency-Key header, a repeat within the window returns the first job (header Idempotent-Replayed: true).")
            .Accepts<JobSubmissionDocument>("application/json")
            .RequireRateLimiting(SubmissionRateLimit.Policy)
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status415UnsupportedMediaType)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status429TooManyRequests)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        jobs.MapGet("/", ListAsync)
            .WithSummary("List a queue's jobs (?queue=, default: the default queue), newest first")
            .Produces<JobPage>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
        jobs.MapGet("/{id}", GetAsync)
            .WithSummary("Get a job")
            .Produces<JobView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status404NotFound);
        jobs.MapPost("/{id}/cancel", CancelAsync)
            .WithSummary("Cancel a job: a queued or scheduled job never runs; a running job's handler is stopped")
            .Produces<JobView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapDelete("/{id}", DeleteAsync)
            .WithSummary("Cancel a job (as POST /jobs/{id}/cancel); with ?purge=true, delete an ended job and its dead letter instead (204)")
            .Produces<JobView>()
            .Produces(StatusCodes.Status204NoContent)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/{id}/promote", PromoteAsync)
            .WithSummary("Run a scheduled job (delayed, or waiting out a retry back-off) now")
            .Produces<JobView>()
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        jobs.MapPost("/{id}/retry", RetryAsync)
            .WithSummary("Requeue a failed job with a fresh attempt budget, keeping its history")
            .Produces<JobAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status409Conflict);
        return routes;
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var idempotencyKey = IdempotencyKeyOf(request);
        JobSubmission submission;
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            submission = JobSubmission.Parse(body.RootElement, clock.GetUtcNow());
        }

        var dependsOn = submission.DependsOn?.Select(d => JobDependency.On(
            Guid.TryParseExact(d.Job, "D", out var id) ? id.ToString("D") : throw ProblemException.BadRequest("Invalid dependencies",
                $"'depends_on' names '{d.Job}', which is not a job id (to submit jobs that wait for each other, POST them together to /workflows)."),
            d.OnFailure)).ToList();
        var result = await store.EnqueueAsync(submission.ToNewJob(idempotencyKey, dependsOn));
        if (result.Replayed)
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        var job = result.Job;
        return ApiResults.Accepted(request.HttpContext.Response, $"/jobs/{job.Id}", new JobAccepted(job.Id, job.Status), ApiJsonContext.Default.JobAccepted);
    }

    /// <summary>The request's Idempotency-Key header (null without one), or a 400 problem for one a caller may not use (<see cref="IdempotencyKeys.IsCallersKey"/>).</summary>
    public static string? IdempotencyKeyOf(HttpRequest request)
    {
        var key = request.Headers[IdempotencyHeader].ToString();
        return key.Length == 0 ? null
            : IdempotencyKeys.IsCallersKey(key) ? key
            : throw ProblemException.BadRequest("Invalid Idempotency-Key", $"An Idempotency-Key is {IdempotencyKeys.Rule}.");
    }

    private static async Task<IResult> GetAsync(string id, JobStore store)
    {
        var job = await JobLookup.FindAsync(store, id);
        return ApiResults.Ok(JobView.From(job, await store.LinksAsync(job)), ApiJsonContext.Default.JobView);
    }

    private static async Task<IResult> ListAsync(
        JobStore store, QueueDirectory queues, string? status, string? type, string? owner, string? group,
        [FromQuery(Name = "created_from")] string? createdFrom, [FromQuery(Name = "created_until")] string? createdUntil, int? limit, string? cursor, string? queue)
    {
        await QueueLookup.FindAsync(queues, queue);
        if (status is not null && !JobStatus.All.Contains(status))
        {
            throw ProblemException.BadRequest("Invalid status", $"'status' is one of: {string.Join(", ", JobStatus.All)}.");
        }

        if (type is not null && !JobTypeName.IsValid(type))
        {
            throw ProblemException.BadRequest("Invalid type", $"'type' is a job type name: {JobTypeName.Rule}.");
        }

        if (owner is not null && !JobOwner.IsValid(owner))
        {
            throw ProblemException.BadRequest("Invalid owner", $"'owner' is {JobOwner.Rule}.");
        }

        if (group is not null && !JobGroup.IsValid(group))
        {
            throw ProblemException.BadRequest("Invalid group", $"'group' is {JobGroup.Rule}.");
        }

        if (limit is < 1 or > 100)
        {
            throw ProblemException.BadRequest("Invalid limit", "'limit' is from 1 to 100 (default 20).");
        }

        if (cursor is not null && !ListPosition.TryParseCursor(cursor, out _))
        {
            throw ProblemException.BadRequest("Invalid cursor", "Pass back the next_cursor of the previous page.");
        }

        var filter = new JobFilter(status, type, owner, group, Time(createdFrom, "created_from"), Time(createdUntil, "created_until"));
        var (jobs, next) = await store.ListAsync(filter, limit ?? 20, cursor, queue);
        return ApiResults.Ok(new JobPage([.. jobs.Select(job => JobView.From(job))], next), ApiJsonContext.Default.JobPage);

        static DateTimeOffset? Time(string? value, string name) =>
            value is null ? null
            : DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.None, out var time) && time.Year is >= 1970 and < 10000 ? time
            : throw ProblemException.BadRequest("Invalid time", $"'{name}' is an ISO 8601 time with an offset, e.g. 2026-11-23T18:00:00Z.");
    }

    private static async Task<IResult> CancelAsync(string id, JobStore store)
    {
        var jobId = JobLookup.Normalize(id);
        await store.CancelAsync(jobId);
        return ApiResults.Ok(JobView.From(await store.GetRequiredAsync(jobId)), ApiJsonContext.Default.JobView);
    }

    private static async Task<IResult> DeleteAsync(string id, bool? purge, JobStore store)
    {
        if (purge is not true)
        {
            return await CancelAsync(id, store);
        }

        await store.DeleteAsync(JobLookup.Normalize(id));
        return Results.NoContent();
    }

    private static async Task<IResult> PromoteAsync(string id, JobStore store)
    {
        var jobId = JobLookup.Normalize(id);
        await store.PromoteAsync(jobId);
        return ApiResults.Ok(JobView.From(await store.GetRequiredAsync(jobId)), ApiJsonContext.Default.JobView);
    }

    private static async Task<IResult> RetryAsync(string id, HttpResponse response, JobStore store)
    {
        var jobId = JobLookup.Normalize(id);
        await store.RetryAsync(jobId);
        return ApiResults.Accepted(response, $"/jobs/{jobId}", new JobAccepted(jobId, JobStatus.Queued), ApiJsonContext.Default.JobAccepted);
    }
}

/// <summary>The documented shape of a <c>POST /jobs</c> body (the API reads and checks the JSON itself).</summary>
public sealed record JobSubmissionDocument(
    System.Text.Json.JsonElement Payload, string? Type, string? Queue, string? Group, string? Owner, long? DelayMs, DateTimeOffset? RunAt, int? MaxAttempts, BackoffView? Backoff, long? TimeoutMs,
    IReadOnlyList<DependencyDocument>? DependsOn);

/// <summary>The documented shape of a <c>depends_on</c> entry (a bare job id is accepted too).</summary>
public sealed record DependencyDocument(string Job, string? OnFailure);
