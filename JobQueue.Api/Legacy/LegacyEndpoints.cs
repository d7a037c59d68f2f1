using System.Text.Json;
using System.Text.Json.Serialization;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Legacy;

/// <summary>
/// The API of the system JobQueue grew from (README, "Quick start"): <c>POST /submit {"input": "..."}</c> queues an
/// <c>uppercase</c> job and <c>GET /status?id=</c> polls it, so those curl sessions keep working as written.
/// </summary>
public static class LegacyEndpoints
{
    private const string JobType = "uppercase";

    public static IEndpointRouteBuilder MapLegacyEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/submit", SubmitAsync).RequireRateLimiting(SubmissionRateLimit.Policy);
        routes.MapGet("/status", StatusAsync);
        return routes;
    }

    private static Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, CancellationToken cancellationToken) =>
        JsonBody.HandleAsync(request, options.Value.MaxRequestBodyBytes, async body =>
        {
            if (body.ValueKind != JsonValueKind.Object
                || !body.TryGetProperty("input", out var input)
                || input.ValueKind != JsonValueKind.String)
            {
                return Problems.BadRequest("Invalid submission", "The body must be {\"input\": \"<text>\"}.");
            }

            var job = (await store.EnqueueAsync(JobType, input.GetRawText())).Job;
            return ApiResults.Accepted(request.HttpContext.Response, $"/status?id={job.Id}",
                new SubmitResponse(job.Id, input.GetString()!, job.Status, "", job.CreatedAt), ApiJsonContext.Default.SubmitResponse);
        }, cancellationToken);

    private static async Task<IResult> StatusAsync(string? id, JobStore store)
    {
        if (string.IsNullOrEmpty(id))
        {
            return Problems.BadRequest("Missing job id", "Pass the job id as ?id=<job id>.");
        }

        var (job, problem) = await JobLookup.FindAsync(store, id);
        if (problem is not null)
        {
            return problem;
        }

        var status = new StatusResponse(
            job!.Status,
            job.Status == JobStatus.Done && job.ResultJson is not null ? RawJson.Parse(job.ResultJson) : null,
            job.Status == JobStatus.Failed ? job.LastError : null);
        return ApiResults.Ok(status, ApiJsonContext.Default.StatusResponse);
    }
}

public sealed record SubmitResponse(string Id, string Input, string Status, string Result, DateTimeOffset Created);

public sealed record StatusResponse(
    string Status,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] JsonElement? Result,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Error);
