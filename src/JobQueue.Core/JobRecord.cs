namespace JobQueue;

/// <summary>
/// A job as stored in its Redis hash. Times are UTC; JSON fields are raw JSON text. <see cref="Version"/>
/// goes up with every change, so a change event can be told apart from an older state. <see cref="Policy"/> is the job's own, if it was given one;
/// <see cref="Queue"/> the queue that holds it; <see cref="Group"/> its group and <see cref="Owner"/> its owner, if it has them;
/// <see cref="DependsOn"/> the jobs it waits or waited for, <see cref="DependenciesPending"/> how many of them have not counted
/// yet, <see cref="SettledBy"/> the dependency whose failure failed or canceled it, and <see cref="DependantCount"/> how many
/// jobs wait or waited for it.
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
    string? HistoryJson,
    JobPolicy? Policy = null,
    string Queue = "",
    string? Group = null,
    string? Owner = null,
    IReadOnlyList<JobDependency>? DependsOn = null,
    int DependenciesPending = 0,
    string? SettledBy = null,
    int DependantCount = 0);
