namespace JobQueue;

/// <summary>A job as stored in its Redis hash. Times are UTC; JSON fields are kept as raw JSON text.</summary>
public sealed record JobRecord(
    string Id,
    string Status,
    string Type,
    string PayloadJson,
    string? ResultJson,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LastError);
