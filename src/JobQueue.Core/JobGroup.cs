namespace JobQueue;

/// <summary>
/// The rule for a job's group: the key (a tenant, a user) a queue's <see cref="QueueLimits.GroupConcurrency"/> counts
/// running jobs by, so one group cannot take every worker.
/// </summary>
public static class JobGroup
{
    /// <summary>What a valid group looks like, for messages.</summary>
    public const string Rule = Label.Rule;

    public static bool IsValid(string? group) => Label.IsValid(group);
}
