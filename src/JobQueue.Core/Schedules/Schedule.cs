namespace JobQueue;

/// <summary>
/// A schedule as kept in Redis: its definition, whether it is paused, when it fires next (null: paused, or never
/// again) and its last run. <see cref="Problem"/> says why it cannot fire, when what Redis holds is no timetable
/// (written by hand, or by a version with other rules): such a schedule is set aside until it is written again.
/// </summary>
public sealed record Schedule(
    ScheduleDefinition Definition, bool Paused, DateTimeOffset? NextRunAt, ScheduleRun? LastRun, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? Problem = null)
{
    public string Name => Definition.Name;
}

/// <summary>The last occurrence a schedule ran: when it was due, the job it enqueued (null if its identity was taken by an earlier version of the schedule), when it was enqueued.</summary>
public sealed record ScheduleRun(DateTimeOffset DueAt, string? JobId, DateTimeOffset FiredAt);
