using JobQueue.Redis;

namespace JobQueue;

/// <summary>
/// The job's state machine: the transitions, and the one decision made outside the scripts, what follows an
/// attempt. Each transition is made atomically by one script (Redis/Scripts):
/// <code>
/// (new)                 → queued | scheduled | waiting  enqueue.lua (waiting: for its dependencies)
/// waiting               → queued | scheduled | failed | canceled  the script that ends its last dependency (_dependencies.lua)
/// scheduled             → queued               promote.lua (due), promote_job.lua (an operator's "run now")
/// queued | processing   → processing           read_and_claim.lua, reclaim.lua (a new attempt)
/// queued                → queued (held)        read_and_claim.lua: its group is at its limit; release.lua gives it a new entry
/// queued | processing   → failed               the same: attempts used up, or a hash no script wrote
/// processing            → done | queued | scheduled | failed  complete.lua, as <see cref="AfterAttempt"/> decides
///                                              (scheduled: a retry waiting out its back-off, promoted when due)
/// waiting | scheduled | queued | processing → canceled   cancel.lua
/// failed                → queued               retry.lua (a fresh attempt budget)
/// done | failed | canceled → (gone)            delete.lua (an operator's delete, before its retention ends it)
/// </code>
/// done, failed and canceled are terminal (<see cref="JobStatus.IsTerminal"/>; <c>is_terminal</c> in the scripts).
/// </summary>
internal static class JobLifecycle
{
    /// <summary>
    /// What an ended attempt makes of its job, under its <paramref name="policy"/> (resolved: every part set):
    /// done; retried after the policy's back-off (at once without one) while attempts remain; else failed for good.
    /// </summary>
    public static NextStep AfterAttempt(AttemptOutcome outcome, int attempt, JobPolicy policy, Random random) => outcome switch
    {
        AttemptOutcome.Succeeded => new NextStep(AttemptDecision.Done, TimeSpan.Zero),
        AttemptOutcome.Failed when attempt < policy.MaxAttempts =>
            new NextStep(AttemptDecision.Retry, policy.Backoff?.After(attempt, random) ?? TimeSpan.Zero),
        _ => new NextStep(AttemptDecision.Fail, TimeSpan.Zero),
    };
}

/// <summary>The transition <see cref="JobLifecycle.AfterAttempt"/> chose, carried out by complete.lua; a retry waits <see cref="RetryDelay"/> first.</summary>
internal readonly record struct NextStep(AttemptDecision Decision, TimeSpan RetryDelay);

/// <summary>What follows an attempt.</summary>
internal enum AttemptDecision
{
    /// <summary>The job is done; its result is stored.</summary>
    Done,
    /// <summary>The job runs again: queued at once under a new stream entry, or scheduled after its back-off.</summary>
    Retry,
    /// <summary>The job failed for good and is dead-lettered.</summary>
    Fail,
}
