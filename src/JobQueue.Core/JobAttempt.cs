namespace JobQueue;

/// <summary>
/// One attempt of a job as recorded in Redis by the scripts that start and end it (the job hash's <c>a:&lt;run&gt;</c> and
/// <c>e:&lt;run&gt;</c>; see docs/architecture.md, "Redis keys"): its <see cref="Attempt"/> in the job's current budget and its
/// <see cref="Run"/> over the job's whole life (a manual retry starts a new budget, the runs go on), the consumer that ran it,
/// when it started and ended (Redis's clock), how it ended (<see cref="Outcome"/>: one of the constants below), its error cut
/// to 500 bytes, the trace it belongs to (the job's: every attempt continues the trace of its enqueue), and the registration
/// of its worker, where the queue's registry still has it.
/// </summary>
public sealed record JobAttempt(
    int Attempt, int Run, string Consumer, DateTimeOffset StartedAt, DateTimeOffset? EndedAt,
    string Outcome,
    string? Error, string? TraceId,
    WorkerRegistration? Worker)
{
    /// <summary>The attempt has not ended (its worker runs it, or died and it is not yet reclaimed).</summary>
    public const string Running = "running";

    /// <summary>The handler succeeded and the job is done.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>The handler failed and the job was retried (queued again, or waiting out its back-off).</summary>
    public const string Retrying = "retrying";

    /// <summary>The handler failed and the job failed for good (no attempts left, or a permanent failure).</summary>
    public const string Failed = "failed";

    /// <summary>
    /// The attempt never ended: its worker stopped renewing it (died, hung or was cut off) for longer than the processing
    /// timeout, and another claim took the job over, or gave it up with no attempts left.
    /// </summary>
    public const string Lost = "lost";

    /// <summary>The job was canceled while the attempt ran.</summary>
    public const string Canceled = "canceled";

    /// <summary>
    /// The attempt of <paramref name="run"/> from its records as the scripts write them (_prelude.lua): the start
    /// <c>&lt;attempt&gt;|&lt;started ms&gt;|&lt;consumer&gt;</c> and the end <c>&lt;ended ms&gt;|&lt;outcome&gt;|&lt;error&gt;</c>
    /// (null while running). Null without a start record.
    /// </summary>
    internal static JobAttempt? FromRecords(
        int run, string? start, string? end, string? traceId, IReadOnlyDictionary<string, WorkerRegistration> workers)
    {
        if (start?.Split('|', 3) is not [var attempt, var startedMs, var consumer]
            || !int.TryParse(attempt, out var number) || !long.TryParse(startedMs, out var started))
        {
            return null;
        }

        var running = new JobAttempt(number, run, consumer, DateTimeOffset.FromUnixTimeMilliseconds(started), null, Running, null,
            traceId, workers.GetValueOrDefault(consumer));
        return end?.Split('|', 3) is [var endedMs, var outcome, var error] && long.TryParse(endedMs, out var ended)
            ? running with { EndedAt = DateTimeOffset.FromUnixTimeMilliseconds(ended), Outcome = outcome, Error = error.Length > 0 ? error : null }
            : running;
    }
}
