using System.Text.Json;

namespace JobQueue.Api.Jobs;

/// <summary>What <c>GET /jobs/{id}</c> returns (snake_case JSON; payload and result as JSON, not strings).</summary>
public sealed record JobView(
    string JobId,
    string Status,
    string Type,
    JsonElement Payload,
    JsonElement? Result,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LastError)
{
    public static JobView From(JobRecord job) => new(
        job.Id,
        job.Status,
        job.Type,
        RawJson.Parse(job.PayloadJson),
        job.ResultJson is null ? null : RawJson.Parse(job.ResultJson),
        job.Attempts,
        job.CreatedAt,
        job.StartedAt,
        job.FinishedAt,
        job.LastError);
}

/// <summary>Answer to an accepted submission.</summary>
public sealed record JobAccepted(string JobId);
