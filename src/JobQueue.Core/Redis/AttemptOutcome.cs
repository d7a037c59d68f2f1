namespace JobQueue.Redis;

/// <summary>How an attempt ended, as reported by the handler runner.</summary>
internal enum AttemptOutcome
{
    Succeeded,
    /// <summary>Failed; retried if the job has attempts left.</summary>
    Failed,
    /// <summary>Failed in a way a retry cannot fix (e.g. no handler for the type).</summary>
    FailedPermanently,
}
