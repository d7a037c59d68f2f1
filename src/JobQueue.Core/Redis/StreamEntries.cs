namespace JobQueue.Redis;

/// <summary>
/// A stream entry delivered to this consumer, fresh (XREADGROUP) or <see cref="Reclaimed"/> (XAUTOCLAIM);
/// <see cref="JobId"/> is null if the entry is malformed, and <see cref="Fields"/> then says what it held.
/// </summary>
public sealed record DeliveredEntry(string EntryId, string? JobId, string Fields, bool Reclaimed = false);

/// <summary>How one attempt ended, to be recorded by <see cref="JobConsumer.CompleteAsync(IReadOnlyList{AttemptEnd})"/>.</summary>
public sealed record AttemptEnd(ClaimedJob Job, AttemptOutcome Outcome, string ResultOrError);

/// <summary>
/// An attempt this consumer now owns: the token fences every later write for it. <see cref="Waited"/> is the
/// time from enqueue to this claim, by Redis's clock; <see cref="Run"/> counts runs over the job's whole life
/// (a manual retry resets <see cref="Attempt"/>, not Run).
/// </summary>
public sealed record ClaimedJob(
    string EntryId,
    string JobId,
    string Type,
    string PayloadJson,
    int Attempt,
    string Token,
    string? TraceParent,
    TimeSpan Waited,
    int Run);

/// <summary>What the claim script decided for one delivered entry.</summary>
public enum ClaimOutcome
{
    /// <summary>The job is now <c>processing</c> under this consumer; run it.</summary>
    Claimed,
    /// <summary>The job had used all its attempts and was marked <c>failed</c>.</summary>
    Exhausted,
    /// <summary>The job was already terminal or gone; the entry was dropped.</summary>
    Finished,
    /// <summary>The job's hash was unreadable (edited by hand); it was failed and dead-lettered.</summary>
    Unreadable,
    /// <summary>Another consumer holds the entry now.</summary>
    Lost,
}

public sealed record ClaimResult(DeliveredEntry Entry, ClaimOutcome Outcome, ClaimedJob? Job, int Attempts);

/// <summary>What one read-and-claim call did: its claims, and entries it read but left for the caller to check.</summary>
public sealed record ReadClaims(IReadOnlyList<ClaimResult> Claims, IReadOnlyList<DeliveredEntry> Unchecked)
{
    public int Read => Claims.Count + Unchecked.Count;
}

/// <summary>How an attempt ended, as reported by the handler runner.</summary>
public enum AttemptOutcome
{
    Succeeded,
    /// <summary>Failed; retried if the job has attempts left.</summary>
    Failed,
    /// <summary>Failed in a way a retry cannot fix (e.g. no handler for the type).</summary>
    FailedPermanently,
}

/// <summary>What the completion script recorded.</summary>
public enum CompletionResult
{
    Done,
    Retried,
    Failed,
    /// <summary>The job was canceled while this attempt ran; the attempt let go of it.</summary>
    Canceled,
    /// <summary>Refused: the job was reclaimed by another worker while this attempt ran.</summary>
    Stale,
}
