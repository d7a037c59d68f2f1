using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Workflows;

public static class WorkflowEndpoints
{
    /// <summary>Submitting a graph of jobs that wait for each other, in one request, all or nothing.</summary>
    public static IEndpointRouteBuilder MapWorkflowEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/workflows", SubmitAsync).WithTags("Workflows")
            .WithSummary("Submit jobs that wait for each other, all or nothing")
            .WithDescription("Body: {\"jobs\": [job, ...]}, each job as in POST /jobs plus \"ref\": a name the others give in \"depends_on\". " +
                "A flow: children with refs, a parent with \"depends_on\": [their refs]. Cycles, unknown refs or ids, and jobs of different " +
                "queues are refused (400). With an Idempotency-Key header, a repeat within the window returns the first jobs.")
            .Accepts<WorkflowDocument>("application/json")
            .RequireRateLimiting(SubmissionRateLimit.Policy)
            .Produces<WorkflowAccepted>(StatusCodes.Status202Accepted)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status413PayloadTooLarge)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return routes;
    }

    private static async Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, TimeProvider clock, CancellationToken cancellationToken)
    {
        var idempotencyKey = JobEndpoints.IdempotencyKeyOf(request);
        WorkflowSubmission workflow;
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            workflow = WorkflowSubmission.Parse(body.RootElement, clock.GetUtcNow(), idempotencyKey);
        }

        var results = await store.EnqueueManyAsync(workflow.Jobs);
        if (results.All(r => r.Replayed))
        {
            request.HttpContext.Response.Headers["Idempotent-Replayed"] = "true";
        }

        return ApiResults.Accepted(new WorkflowAccepted([.. results.Select((r, i) => new WorkflowJobAccepted(workflow.Refs[i], r.Job.Id, r.Job.Status))]),
            ApiJsonContext.Default.WorkflowAccepted);
    }
}

/// <summary>Answer to an accepted workflow: each job's ref (if it had one), id and status (<c>waiting</c> until its dependencies count), in order.</summary>
public sealed record WorkflowAccepted(IReadOnlyList<WorkflowJobAccepted> Jobs);

public sealed record WorkflowJobAccepted(string? Ref, string JobId, string Status);

/// <summary>The documented shape of a <c>POST /workflows</c> body.</summary>
public sealed record WorkflowDocument(IReadOnlyList<WorkflowJobDocument> Jobs);

/// <summary>A job of a workflow: as in <c>POST /jobs</c>, with a ref.</summary>
public sealed record WorkflowJobDocument(
    string? Ref, System.Text.Json.JsonElement Payload, string? Type, string? Queue, string? Group, string? Owner, long? DelayMs, DateTimeOffset? RunAt,
    int? MaxAttempts, BackoffView? Backoff, long? TimeoutMs, IReadOnlyList<DependencyDocument>? DependsOn);
