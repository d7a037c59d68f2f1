using System.Text.Json;

namespace JobQueue.Api.Jobs;

/// <summary>What <c>GET /jobs/{id}</c> returns (snake_case JSON; payload, result and progress as JSON, not strings).</summary>
public sealed record JobView(
    string JobId,
    string Queue,
    string? Group,
    string? Owner,
    string Status,
    string Type,
    JsonElement Payload,
    JsonElement? Result,
    JsonElement? Progress,
    int Attempts,
    DateTimeOffset CreatedAt,
    DateTimeOffset? RunAt,
    DateTimeOffset? StartedAt,
    DateTimeOffset? FinishedAt,
    string? LastError,
    JsonElement? History,
    PolicyView? Policy,
    WorkflowView? Workflow)
{
    /// <summary>The job as stored; with its <paramref name="links"/> (<c>GET /jobs/{id}</c>), its workflow lists each linked job's status.</summary>
    public static JobView From(JobRecord job, JobLinks? links = null) => new(
        job.Id,
        job.Queue,
        job.Group,
        job.Owner,
        job.Status,
        job.Type,
        RawJson.Parse(job.PayloadJson),
        RawJson.ParseOrNull(job.ResultJson),
        RawJson.ParseOrNull(job.ProgressJson),
        job.Attempts,
        job.CreatedAt,
        job.RunAt,
        job.StartedAt,
        job.FinishedAt,
        job.LastError,
        RawJson.ParseOrNull(job.HistoryJson),
        PolicyView.From(job.Policy),
        WorkflowView.From(job, links));
}

/// <summary>
/// A job's place in a workflow (null for a job that neither waits for nor is waited for by another): the jobs it depends
/// on and the jobs that depend on it, each with its status and the edge's <c>on_failure</c>, listed on <c>GET /jobs/{id}</c>
/// (the first 1,000 of each; elsewhere null, with the counts); how many dependencies it still waits for; and the one whose
/// failure failed or canceled it.
/// </summary>
public sealed record WorkflowView(
    IReadOnlyList<LinkView>? Dependencies, int DependenciesTotal, int DependenciesPending, IReadOnlyList<LinkView>? Dependants, int? DependantsTotal,
    string? SettledBy)
{
    public static WorkflowView? From(JobRecord job, JobLinks? links)
    {
        if (job.DependsOn is null && (links is null || links.DependantsTotal == 0))
        {
            return null;
        }

        return new WorkflowView(
            links?.Dependencies.Select(LinkView.From).ToList(), job.DependsOn?.Count ?? 0, job.DependenciesPending,
            links?.Dependants.Select(LinkView.From).ToList(), links?.DependantsTotal, job.SettledBy);
    }
}

/// <summary>A linked job: its id, its status (null once its record expired), and the edge's policy.</summary>
public sealed record LinkView(string JobId, string? Status, string OnFailure)
{
    public static LinkView From(LinkedJob link) => new(link.Id, link.Status, link.OnFailure.ToName());
}

/// <summary>A job's own policy as submitted (what it left unset comes from its handler's registration, then the settings).</summary>
public sealed record PolicyView(int? MaxAttempts, BackoffView? Backoff, long? TimeoutMs)
{
    public static PolicyView? From(JobPolicy? policy) => policy is null
        ? null
        : new PolicyView(policy.MaxAttempts, BackoffView.From(policy.Backoff), (long?)policy.Timeout?.TotalMilliseconds);
}

/// <summary><c>{"type": "fixed" | "exponential", "delay_ms", "max_delay_ms"}</c>, as in a submission.</summary>
public sealed record BackoffView(string Type, long DelayMs, long? MaxDelayMs)
{
    public static BackoffView? From(Backoff? backoff) => backoff is null
        ? null
        : new BackoffView(backoff.Kind == BackoffKind.Fixed ? "fixed" : "exponential",
            (long)backoff.Delay.TotalMilliseconds, (long?)backoff.MaxDelay?.TotalMilliseconds);
}

/// <summary>Answer to an accepted submission.</summary>
public sealed record JobAccepted(string JobId, string Status);

/// <summary>One state of a job, as streamed over SSE and WebSocket: sent at once, then on every change.</summary>
public sealed record JobStateView(
    string JobId, long Version, string Status, int Attempts, JsonElement? Progress, JsonElement? Result, string? Error)
{
    public static JobStateView From(JobChange change) => new(
        change.JobId, change.Version, change.Status, change.Attempts,
        RawJson.ParseOrNull(change.ProgressJson), RawJson.ParseOrNull(change.ResultJson), change.Error);

    public static JobStateView From(JobRecord job) => From(new JobChange(
        job.Id, job.Version, job.Status, job.Attempts, job.ProgressJson, job.ResultJson, job.LastError));
}

public sealed record JobPage(IReadOnlyList<JobView> Jobs, string? NextCursor);

public sealed record DeadLetterView(string EntryId, string JobId, string Type, int Attempts, string Error, DateTimeOffset FailedAt);

/// <summary>How many dead letters a bulk retry or delete acted on.</summary>
public sealed record DeadLettersActedOn(int Count);

public sealed record DeadLetterPage(IReadOnlyList<DeadLetterView> DeadLetters, string? NextCursor);

public sealed record ConsumerView(string Name, long Pending, long IdleMs);

public sealed record QueueView(
    long StreamLength, long Pending, IReadOnlyList<ConsumerView> Consumers, long Scheduled, long DeadLetters,
    long Completed, long Failed, long Canceled);

/// <summary>One queue in <c>GET /queues</c>: its figures, whether it is paused, and its limits.</summary>
public sealed record NamedQueueView(
    string Name, long Waiting, long Running, long Scheduled, long DeadLetters, long Completed, long Failed, long Canceled,
    bool Paused, QueueLimitsView Limits, int EventLogLength, IReadOnlyList<ConsumerView> Consumers)
{
    public static NamedQueueView From(QueueStats stats) => new(
        stats.Name, stats.Waiting, stats.Pending, stats.Scheduled, stats.DeadLetters,
        stats.Totals.GetValueOrDefault(JobStatus.Done), stats.Totals.GetValueOrDefault(JobStatus.Failed),
        stats.Totals.GetValueOrDefault(JobStatus.Canceled), stats.Paused, QueueLimitsView.From(stats.Limits), stats.EventLogLength,
        [.. stats.Consumers.Select(c => new ConsumerView(c.Name, c.Pending, (long)c.Idle.TotalMilliseconds))]);
}

public sealed record QueueList(IReadOnlyList<NamedQueueView> Queues);

/// <summary><c>{"concurrency": n, "rate": {"max": n, "period_ms": n}, "group_concurrency": n}</c>; null where there is no such limit.</summary>
public sealed record QueueLimitsView(int? Concurrency, RateLimitView? Rate, int? GroupConcurrency)
{
    public static QueueLimitsView From(QueueLimits limits) => new(limits.Concurrency,
        limits is { RateMax: { } max, RatePeriod: { } period } ? new RateLimitView(max, (long)period.TotalMilliseconds) : null,
        limits.GroupConcurrency);
}

public sealed record RateLimitView(int Max, long PeriodMs);
