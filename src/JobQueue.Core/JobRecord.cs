namespace JobQueue;

/// <summary>
/// A job as stored in its Redis hash. Times are UTC; JSON fields are raw JSON text. <see cref="Version"/>
/// goes up with every change, so a change event can be told apart from an older state.
/// </summary>
public sealed record JobRecord(
    string Id,
    string Status,
    string Type,
    string PayloadJson,
    string? ResultJson,
    string? ProgressJson,
    int Attempts,
    long Version,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RunAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LastError,
    string? HistoryJson);

/// <summary>A change of a job, as published on the events channel by the script that made it.</summary>
public sealed record JobChange(
    string JobId, long Version, string Status, int Attempts, string? ProgressJson, string? ResultJson, string? Error);
