using System.Text.Json;
using System.Text.Json.Serialization;
using JobQueue.Api.Http;
using JobQueue.Api.Jobs;
using JobQueue.Redis;
using Microsoft.Extensions.Options;

namespace JobQueue.Api.Legacy;

/// <summary>
/// The API of the system JobQueue grew from (seeds 000/001): <c>POST /submit {"input": "..."}</c> queues an
/// <c>uppercase</c> job and <c>GET /status?id=</c> polls it, so those curl sessions keep working as written.
/// </summary>
public static class LegacyEndpoints
{
    private const string JobType = "uppercase";

    public static IEndpointRouteBuilder MapLegacyEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/submit", SubmitAsync);
        routes.MapGet("/status", StatusAsync);
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
            var root = document!.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !root.TryGetProperty("input", out var input)
                || input.ValueKind != JsonValueKind.String)
            {
                return Problems.BadRequest("Invalid submission", "The body must be {\"input\": \"<text>\"}.");
            }

            var job = await store.EnqueueAsync(JobType, input.GetRawText());
            return ApiResults.Accepted(request.HttpContext.Response, $"/status?id={job.Id}",
                new SubmitResponse(job.Id, input.GetString()!, job.Status, "", job.CreatedAt), ApiJsonContext.Default.SubmitResponse);
        }
    }

    private static async Task<IResult> StatusAsync(string? id, JobStore store)
    {
        if (string.IsNullOrEmpty(id))
        {
            return Problems.BadRequest("Missing job id", "Pass the job id as ?id=<job id>.");
        }

        if (!Guid.TryParseExact(id, "D", out var guid))
        {
            return Problems.InvalidJobId(id);
        }

        var job = await store.GetAsync(guid.ToString("D"));
        if (job is null)
        {
            return Problems.NotFound($"There is no job {guid:D}.");
        }

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
