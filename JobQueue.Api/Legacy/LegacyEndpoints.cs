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

    private static async Task<IResult> SubmitAsync(
        HttpRequest request, JobStore store, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        string input, inputJson;
        using (var body = await JsonBody.ReadAsync(request, options.Value.MaxRequestBodyBytes, cancellationToken))
        {
            var root = body.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("input", out var value) || value.ValueKind != JsonValueKind.String)
            {
                throw ProblemException.BadRequest("Invalid submission", "The body must be {\"input\": \"<text>\"}.");
            }

            (input, inputJson) = (value.GetString()!, value.GetRawText());
        }

        var job = (await store.EnqueueAsync(JobType, inputJson)).Job;
        return ApiResults.Accepted(request.HttpContext.Response, $"/status?id={job.Id}",
            new SubmitResponse(job.Id, input, job.Status, "", job.CreatedAt), ApiJsonContext.Default.SubmitResponse);
    }

    private static async Task<IResult> StatusAsync(string? id, JobStore store)
    {
        var job = await JobLookup.FindAsync(store,
            string.IsNullOrEmpty(id) ? throw ProblemException.BadRequest("Missing job id", "Pass the job id as ?id=<job id>.") : id);
        var status = new StatusResponse(
            job.Status,
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
