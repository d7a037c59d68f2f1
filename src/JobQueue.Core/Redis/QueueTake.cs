namespace JobQueue.Redis;

/// <summary>What the queue's controls allowed a take (read_and_claim.lua).</summary>
internal enum QueueTakeState
{
    /// <summary>Entries could be taken (maybe none were waiting).</summary>
    Ready,
    /// <summary>The queue is paused: nothing starts until it is resumed.</summary>
    Paused,
    /// <summary>A limit holds: nothing may start before <see cref="QueueTake.HoldFor"/> passes (zero: until a running job ends).</summary>
    Limited,
}

/// <summary>
/// One take from a queue: the entries claimed, and when none should be asked for again. <see cref="Drained"/> when
/// the take left no entry waiting: ask again once its wake-up marker is raised (<see cref="QueueKeys.Wake"/>).
/// </summary>
internal sealed record QueueTake(QueueTakeState State, IReadOnlyList<ClaimResult> Claims, TimeSpan HoldFor, bool Drained);
