using System.Text.Json;
using JobQueue.Api.Jobs;

namespace JobQueue.Api.Schedules;

/// <summary>
/// What <c>GET /schedules/{name}</c> returns: the definition, whether paused, the next runs and the last; and, for a
/// schedule Redis holds that cannot fire (written by hand), the problem, until it is written again.
/// </summary>
public sealed record ScheduleView(
    string Name, string Cron, string TimeZone, string Misfire, bool Paused, ScheduledJobView Job,
    DateTimeOffset? NextRunAt, IReadOnlyList<DateTimeOffset>? NextRuns, LastRunView? LastRun, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt,
    string? Problem)
{
    /// <summary>The schedule; with <paramref name="nextRuns"/> (the detail page), its next occurrences too.</summary>
    public static ScheduleView From(Schedule schedule, IReadOnlyList<DateTimeOffset>? nextRuns = null, string? lastRunStatus = null)
    {
        var (definition, job) = (schedule.Definition, schedule.Definition.Job);
        return new ScheduleView(schedule.Name, definition.Cron, definition.TimeZone, definition.Misfire.ToName(), schedule.Paused,
            new ScheduledJobView(job.Type, RawJson.Parse(job.PayloadJson), job.Queue, job.Group, job.Owner, PolicyView.From(job.Policy)),
            schedule.NextRunAt, nextRuns,
            schedule.LastRun is { } last ? new LastRunView(last.DueAt, last.FiredAt, last.JobId, lastRunStatus) : null,
            schedule.CreatedAt, schedule.UpdatedAt, schedule.Problem);
    }
}

/// <summary>The job each occurrence enqueues.</summary>
public sealed record ScheduledJobView(string Type, JsonElement Payload, string? Queue, string? Group, string? Owner, PolicyView? Policy);

/// <summary>The last occurrence run: when it was due, when its job was enqueued, the job, and its status now (null once it expired).</summary>
public sealed record LastRunView(DateTimeOffset DueAt, DateTimeOffset FiredAt, string? JobId, string? Status);

public sealed record ScheduleList(IReadOnlyList<ScheduleView> Schedules);

/// <summary>The documented shape of a <c>PUT /schedules/{name}</c> body (the API reads and checks the JSON itself).</summary>
public sealed record ScheduleSubmissionDocument(string Cron, string? TimeZone, string? Misfire, JobSubmissionDocument Job);
