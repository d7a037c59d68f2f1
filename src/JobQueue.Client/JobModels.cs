using System.Text.Json;
using System.Text.Json.Serialization;

namespace JobQueue.Client;

/// <summary>A job as <c>GET /jobs/{id}</c> reports it.</summary>
public sealed record JobState(
    string JobId,
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
    JsonElement? Policy = null,
    string? Queue = null,
    string? Group = null,
    string? Owner = null)
{
    public bool IsFinished => JobStatuses.IsFinal(Status);
}

/// <summary>One state pushed while following a job (<see cref="JobQueueClient.WatchAsync"/>).</summary>
public sealed record JobUpdate(string JobId, long Version, string Status, int Attempts, JsonElement? Progress, JsonElement? Result, string? Error)
{
    public bool IsFinished => JobStatuses.IsFinal(Status);
}

/// <summary>A token that opens one owner's feed until <see cref="ExpiresAt"/>: a backend hands it to the owner's browser.</summary>
public sealed record FeedToken(string Token, string Owner, DateTimeOffset ExpiresAt);

/// <summary>
/// One state on an owner's feed (<see cref="JobQueueClient.WatchOwnerAsync"/>); <see cref="At"/> (Unix ms) is the resume
/// point, and <see cref="JobId"/> + <see cref="Version"/> tell a repeat from news.
/// </summary>
public sealed record OwnerUpdate(
    string JobId, string Queue, string? Type, long Version, string Status, int Attempts, JsonElement? Progress, JsonElement? Result,
    string? Error, long At)
{
    public bool IsFinished => JobStatuses.IsFinal(Status);
}

/// <summary>
/// One event of a queue's feed (<see cref="JobQueueClient.WatchQueueAsync"/>): <see cref="Event"/> is the job's new
/// status or <c>progress</c>; <see cref="EventId"/> is where a listener resumes.
/// </summary>
public sealed record QueueEvent(
    string EventId, string Event, string JobId, string? Type, string? Owner, long Version, string Status, int Attempts,
    JsonElement? Progress, JsonElement? Result, string? Error, long At);

/// <summary>The statuses a job does not leave by itself (the API's <c>done</c>, <c>failed</c> and <c>canceled</c>).</summary>
internal static class JobStatuses
{
    public static bool IsFinal(string status) => status is "done" or "failed" or "canceled";
}

/// <summary>The answer to a submission; <see cref="Replayed"/> when an Idempotency-Key returned an earlier job.</summary>
public sealed record SubmittedJob(string JobId, string Status, bool Replayed);

/// <summary>Options of a submission.</summary>
public sealed record EnqueueOptions
{
    /// <summary>The handler to run (default <c>echo</c>).</summary>
    public string? Type { get; init; }

    /// <summary>The queue to send it to (default: the default queue); a worker pool must read it.</summary>
    public string? Queue { get; init; }

    /// <summary>The job's group (a tenant, a user): the queue's group limit caps how many of a group's jobs run at once.</summary>
    public string? Group { get; init; }

    /// <summary>Who the job is for (a user id): their feed (<see cref="JobQueueClient.WatchOwnerAsync"/>) shows it.</summary>
    public string? Owner { get; init; }

    /// <summary>Run no sooner than this long from now.</summary>
    public TimeSpan? Delay { get; init; }

    /// <summary>Run no sooner than this time.</summary>
    public DateTimeOffset? RunAt { get; init; }

    /// <summary>Repeats with the same key within the server's window return the first job instead of a new one.</summary>
    public string? IdempotencyKey { get; init; }

    /// <summary>Runs in all (1-25); unset, the handler's registration or the server's setting decides.</summary>
    public int? MaxAttempts { get; init; }

    /// <summary>How long a failed attempt waits before the next; unset, the next starts at once (or as the handler's registration says).</summary>
    public BackoffOptions? Backoff { get; init; }

    /// <summary>The longest one attempt may run.</summary>
    public TimeSpan? Timeout { get; init; }
}

/// <summary>A back-off: <see cref="Fixed"/>, or <see cref="Exponential"/> (doubling, with jitter, up to a cap).</summary>
public sealed record BackoffOptions(string Type, TimeSpan Delay, TimeSpan? MaxDelay = null)
{
    public static BackoffOptions Fixed(TimeSpan delay) => new("fixed", delay);

    public static BackoffOptions Exponential(TimeSpan delay, TimeSpan? maxDelay = null) => new("exponential", delay, maxDelay);
}

/// <summary>An RFC 9457 problem the API answered with.</summary>
public sealed class JobQueueException(int status, string? title, string? detail)
    : Exception($"{status} {title}: {detail}")
{
    public int Status => status;

    public string? Title => title;

    public string? Detail => detail;
}

internal sealed record Submission(
    JsonElement Payload, string? Type, string? Queue, string? Group, string? Owner, long? DelayMs, DateTimeOffset? RunAt, int? MaxAttempts, BackoffSubmission? Backoff, long? TimeoutMs);

internal sealed record BackoffSubmission(string Type, long DelayMs, long? MaxDelayMs);

internal sealed record Accepted(string JobId, string Status);

internal sealed record TokenRequest(string Owner);

internal sealed record Problem(int? Status, string? Title, string? Detail);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(JobState))]
[JsonSerializable(typeof(JobUpdate))]
[JsonSerializable(typeof(Submission))]
[JsonSerializable(typeof(Accepted))]
[JsonSerializable(typeof(Problem))]
[JsonSerializable(typeof(FeedToken))]
[JsonSerializable(typeof(OwnerUpdate))]
[JsonSerializable(typeof(QueueEvent))]
[JsonSerializable(typeof(TokenRequest))]
internal sealed partial class ClientJsonContext : JsonSerializerContext;
