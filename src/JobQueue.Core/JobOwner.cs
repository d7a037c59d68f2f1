namespace JobQueue;

/// <summary>
/// The rule for a job's owner: who the job is for (a user id), whose live feed shows every change of every job of
/// theirs, and whose feed token opens it.
/// </summary>
public static class JobOwner
{
    /// <summary>What a valid owner looks like, for messages.</summary>
    public const string Rule = Label.Rule;

    public static bool IsValid(string? owner) => Label.IsValid(owner);
}
