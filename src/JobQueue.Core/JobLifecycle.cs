using JobQueue.Redis;

namespace JobQueue;

/// <summary>
/// The job's state machine: the transitions, and the one decision made outside the scripts, what follows an
/// attempt. Each transition is made atomically by one script (Redis/Scripts):
/// <code>
/// (new)                 → queued | scheduled   enqueue.lua
/// scheduled             → queued               promote.lua (due)
/// queued | processing   → processing           claim.lua, reclaim.lua, read_and_claim.lua (a new attempt)
/// queued | processing   → failed               the same: attempts used up, or a hash no script wrote
/// processing            → done | queued | failed  complete.lua, as <see cref="AfterAttempt"/> decides
/// scheduled | queued | processing → canceled   cancel.lua
/// failed                → queued               retry.lua (a fresh attempt budget)
/// </code>
/// done, failed and canceled are terminal (<see cref="JobStatus.IsTerminal"/>; <c>is_terminal</c> in the scripts).
/// </summary>
public static class JobLifecycle
{
    /// <summary>What an ended attempt makes of its job: done, queued again for another attempt, or failed for good.</summary>
    public static AttemptDecision AfterAttempt(AttemptOutcome outcome, int attempt, int maxAttempts) => outcome switch
    {
        AttemptOutcome.Succeeded => AttemptDecision.Done,
        AttemptOutcome.Failed when attempt < maxAttempts => AttemptDecision.Retry,
        _ => AttemptDecision.Fail,
    };
}

/// <summary>The transition <see cref="JobLifecycle.AfterAttempt"/> chose, carried out by complete.lua.</summary>
public enum AttemptDecision
{
    /// <summary>The job is done; its result is stored.</summary>
    Done,
    /// <summary>The job is queued again at once, under a new stream entry.</summary>
    Retry,
    /// <summary>The job failed for good and is dead-lettered.</summary>
    Fail,
}
