namespace JobQueue.Redis;

/// <summary>What the claim script decided for one delivered entry.</summary>
internal enum ClaimOutcome
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
    /// <summary>The entry names no valid job id (written by hand or corrupted): it was moved to the dead letters.</summary>
    Malformed,
    /// <summary>The job's group is at the queue's group limit: the job waits in its group's list until it has room.</summary>
    Held,
}
